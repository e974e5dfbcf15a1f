using System.Security.Cryptography;
using System.Text;
using Skiff.Storage.Encryption;
using Skiff.Storage.Sqlite;

namespace Skiff.Storage.Tests.Encryption;

public sealed class ValueTransformerTests
{
    private const string SecretKey = "/registry/core/secrets/default/s1";
    private static readonly byte[] Plain = Encoding.UTF8.GetBytes("{\"data\":{\"password\":\"czNjcjN0LXZhbHVl\"}}");
    private static readonly byte[] Key1 = RandomNumberGenerator.GetBytes(32);
    private static readonly byte[] Key2 = RandomNumberGenerator.GetBytes(32);

    private static ValueTransformer Secrets(params EncryptionProvider[] providers) => new([new EncryptionRule(["secrets"], providers)]);

    [Fact]
    public void AesGcm_RoundTrip_StoresPrefixNonceAndCiphertextOnly()
    {
        var t = Secrets(new AesGcmProvider("key1", Key1));

        var stored = t.ToStorage(SecretKey, Plain).ToArray();

        Assert.StartsWith("k8s:enc:aesgcm:v1:key1:", Encoding.ASCII.GetString(stored));
        Assert.Equal("k8s:enc:aesgcm:v1:key1:".Length + 12 + Plain.Length + 16, stored.Length);
        Assert.Equal(-1, stored.AsSpan().IndexOf("czNjcjN0"u8));
        Assert.Equal(Plain, t.FromStorage(SecretKey, stored).ToArray());
        Assert.NotEqual(stored, t.ToStorage(SecretKey, Plain).ToArray()); // a fresh nonce per write
    }

    [Fact]
    public void AesCbc_RoundTrip()
    {
        var t = Secrets(new AesCbcProvider("old", Key1));
        var stored = t.ToStorage(SecretKey, Plain).ToArray();
        Assert.StartsWith("k8s:enc:aescbc:v1:old:", Encoding.ASCII.GetString(stored));
        Assert.Equal(Plain, t.FromStorage(SecretKey, stored).ToArray());
    }

    [Fact]
    public void Rotation_FirstKeyEncrypts_AllKeysDecrypt()
    {
        var before = Secrets(new AesGcmProvider("key1", Key1));
        var written = before.ToStorage(SecretKey, Plain).ToArray();
        var rotated = Secrets(new AesGcmProvider("key2", Key2), new AesGcmProvider("key1", Key1));

        Assert.Equal(Plain, rotated.FromStorage(SecretKey, written).ToArray());
        Assert.StartsWith("k8s:enc:aesgcm:v1:key2:", Encoding.ASCII.GetString(rotated.ToStorage(SecretKey, Plain).Span));
    }

    [Fact]
    public void FromStorage_UnknownKeyName_ThrowsNamingKeyAndPrefixNotValue()
    {
        var written = Secrets(new AesGcmProvider("key1", Key1)).ToStorage(SecretKey, Plain).ToArray();
        var other = Secrets(new AesGcmProvider("key2", Key2));

        var ex = Assert.Throws<EncryptionException>(() => other.FromStorage(SecretKey, written));
        Assert.Contains(SecretKey, ex.Message);
        Assert.Contains("k8s:enc:aesgcm:v1:key1:", ex.Message);
    }

    [Fact]
    public void FromStorage_WrongKeyMaterialOrMovedValue_Fails()
    {
        var written = Secrets(new AesGcmProvider("key1", Key1)).ToStorage(SecretKey, Plain).ToArray();

        Assert.Throws<EncryptionException>(() => Secrets(new AesGcmProvider("key1", Key2)).FromStorage(SecretKey, written));
        Assert.Throws<EncryptionException>(() => Secrets(new AesGcmProvider("key1", Key1)).FromStorage("/registry/core/secrets/default/other", written));
    }

    [Fact]
    public void Plaintext_WrittenBeforeEncryption_IsStillReadable()
    {
        var t = Secrets(new AesGcmProvider("key1", Key1));
        Assert.Equal(Plain, t.FromStorage(SecretKey, Plain).ToArray());
    }

    [Fact]
    public void Identity_First_WritesPlaintext_ButStillDecryptsOldValues()
    {
        var written = Secrets(new AesGcmProvider("key1", Key1)).ToStorage(SecretKey, Plain).ToArray();
        var t = Secrets(IdentityProvider.Instance, new AesGcmProvider("key1", Key1));

        Assert.Equal(Plain, t.ToStorage(SecretKey, Plain).ToArray());
        Assert.Equal(Plain, t.FromStorage(SecretKey, written).ToArray());
    }

    [Fact]
    public void UncoveredResources_AreNotTransformed()
    {
        var t = Secrets(new AesGcmProvider("key1", Key1));
        Assert.Equal(Plain, t.ToStorage("/registry/core/configmaps/default/c", Plain).ToArray());
        Assert.False(t.Covers("/registry/core/configmaps/default/c"));
        Assert.True(t.Covers(SecretKey));
    }

    [Theory]
    [InlineData("secrets", "/registry/core/secrets/")]
    [InlineData("deployments.apps", "/registry/apps/deployments/")]
    [InlineData("*.apps", "/registry/apps/")]
    [InlineData("*.", "/registry/core/")]
    [InlineData("*.*", "/registry/")]
    public void KeyPrefixOf_MapsResourceNames(string resource, string prefix) => Assert.Equal(prefix, EncryptionRule.KeyPrefixOf(resource));

    [Theory]
    [InlineData("se*crets")]
    [InlineData("secrets.*")]
    public void KeyPrefixOf_BadWildcards_Throw(string resource) => Assert.Throws<ArgumentException>(() => EncryptionRule.KeyPrefixOf(resource));

    [Fact]
    public async Task EncryptingStore_BackendHoldsCiphertext_CallersSeePlaintext_OldPlaintextRewrittenOnWrite()
    {
        using var dir = new TestDirectory();
        await using var sqlite = await SqliteStore.OpenAsync(new SqliteStoreOptions { DatabasePath = dir.File("s.db"), CompactionInterval = TimeSpan.Zero }, null);
        var store = new EncryptingStore(sqlite, Secrets(new AesGcmProvider("key1", Key1)));

        // A Secret written before encryption was configured.
        var legacy = await sqlite.CreateAsync("/registry/core/secrets/default/legacy", Plain);
        Assert.Equal(Plain, (await store.GetAsync("/registry/core/secrets/default/legacy"))!.Value.ToArray());

        using var watch = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var events = store.WatchAsync("/registry/core/secrets/", legacy.Revision, watch.Token).GetAsyncEnumerator(watch.Token);

        var created = await store.CreateAsync(SecretKey, Plain);
        Assert.True(created.Succeeded);
        Assert.Equal(Plain, created.Current!.Value.ToArray());
        Assert.StartsWith("k8s:enc:aesgcm:v1:key1:", Encoding.ASCII.GetString((await sqlite.GetAsync(SecretKey))!.Value.Span));
        Assert.Equal(Plain, (await store.GetAsync(SecretKey))!.Value.ToArray());
        Assert.All((await store.RangeAsync("/registry/core/secrets/")).Items, kv => Assert.Equal(Plain, kv.Value.ToArray()));

        var updated = await store.UpdateAsync("/registry/core/secrets/default/legacy", Plain, legacy.Revision);
        Assert.True(updated.Succeeded);
        Assert.StartsWith("k8s:enc:", Encoding.ASCII.GetString((await sqlite.GetAsync("/registry/core/secrets/default/legacy"))!.Value.Span));

        Assert.True(await events.MoveNextAsync());
        Assert.Equal(Plain, events.Current.Kv.Value.ToArray());
        Assert.True(await events.MoveNextAsync());
        Assert.Equal(Plain, events.Current.Kv.Value.ToArray());
        Assert.Equal(Plain, events.Current.PrevKv!.Value.ToArray());

        var conflict = await store.UpdateAsync(SecretKey, Plain, 1);
        Assert.False(conflict.Succeeded);
        Assert.Equal(Plain, conflict.Current!.Value.ToArray());
        await events.DisposeAsync();
    }
}
