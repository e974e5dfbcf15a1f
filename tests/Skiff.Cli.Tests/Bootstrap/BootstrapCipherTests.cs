using System.Text;
using Skiff.Bootstrap;

namespace Skiff.Cli.Tests.Bootstrap;

public sealed class BootstrapCipherTests
{
    private static readonly BootstrapKey Key = BootstrapKey.Derive("cluster-token");

    [Fact]
    public void Derive_SameToken_SameKeyAndId_OtherToken_Different()
    {
        var again = BootstrapKey.Derive("cluster-token");
        var other = BootstrapKey.Derive("cluster-token2");

        Assert.Equal(Key.AesKey, again.AesKey);
        Assert.Equal(Key.StoreKey, again.StoreKey);
        Assert.Matches("^/bootstrap/[0-9a-f]{16}$", Key.StoreKey);
        Assert.NotEqual(Key.AesKey, other.AesKey);
        Assert.NotEqual(Key.StoreKey, other.StoreKey);
        Assert.DoesNotContain("cluster-token", Key.StoreKey, StringComparison.Ordinal);
    }

    [Fact]
    public void SealThenOpen_RoundTrips_AndHidesThePlaintext()
    {
        var plaintext = Encoding.UTF8.GetBytes("-----BEGIN EC PRIVATE KEY-----secret");

        var sealedValue = BootstrapCipher.Seal(Key, plaintext);

        Assert.Equal(plaintext, BootstrapCipher.Open(Key, sealedValue));
        Assert.DoesNotContain("BEGIN EC PRIVATE KEY", Encoding.UTF8.GetString(sealedValue), StringComparison.Ordinal);
        Assert.NotEqual(sealedValue, BootstrapCipher.Seal(Key, plaintext));
    }

    [Fact]
    public void Open_WrongToken_FailsNamingTheToken()
    {
        var sealedValue = BootstrapCipher.Seal(Key, "data"u8);
        // Same store key, other AES key: what a server started with another token would read if the ids collided.
        var wrong = BootstrapKey.Derive("another-token");

        var ex = Assert.Throws<BootstrapDataException>(() => BootstrapCipher.Open(new BootstrapKey(wrong.AesKey, Key.Id), sealedValue));

        Assert.Contains("does not decrypt with this server token", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(20)]
    [InlineData(35)]
    [InlineData(-1)]
    public void Open_TamperedByte_Fails(int position)
    {
        var sealedValue = BootstrapCipher.Seal(Key, "some cluster secret"u8);
        var index = position < 0 ? sealedValue.Length - 1 : position;
        sealedValue[index] ^= 0x01;

        var ex = Assert.Throws<BootstrapDataException>(() => BootstrapCipher.Open(Key, sealedValue));

        Assert.Contains("altered", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_TruncatedOrForeignValue_FailsAsNotBootstrapData()
    {
        var sealedValue = BootstrapCipher.Seal(Key, "x"u8);

        Assert.Contains("not Skiff bootstrap data", Assert.Throws<BootstrapDataException>(() => BootstrapCipher.Open(Key, sealedValue.AsSpan(0, 20))).Message, StringComparison.Ordinal);
        Assert.Contains("not Skiff bootstrap data", Assert.Throws<BootstrapDataException>(() => BootstrapCipher.Open(Key, "{\"kind\":\"Pod\"}"u8)).Message, StringComparison.Ordinal);
    }
}
