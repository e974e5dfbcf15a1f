using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Skiff.Cli.Tests.Support;
using Skiff.Encryption;
using Skiff.Storage.Encryption;

namespace Skiff.Cli.Tests.Encryption;

public sealed class EncryptionConfigurationFileTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private static readonly string K1 = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
    private static readonly string K2 = Convert.ToBase64String(RandomNumberGenerator.GetBytes(16));

    [Fact]
    public void Parse_KubernetesYaml_BuildsRulesInOrder()
    {
        var t = EncryptionConfigurationFile.Parse($$"""
            apiVersion: apiserver.config.k8s.io/v1
            kind: EncryptionConfiguration
            resources:
              - resources:
                  - secrets
                  - configmaps
                providers:
                  - aesgcm:
                      keys:
                        - name: key2
                          secret: {{K1}}
                  - aescbc:
                      keys:
                        - name: key1
                          secret: {{K2}}
                  - identity: {}
              - resources: ["*.apps"]
                providers:
                  - identity: {}
            """);

        Assert.Equal(2, t.Rules.Count);
        Assert.Equal(["aesgcm:key2", "aescbc:key1", "identity"], t.Rules[0].Providers.Select(p => p.Description));
        Assert.Equal(["/registry/core/secrets/", "/registry/core/configmaps/"], t.Rules[0].KeyPrefixes);
        var stored = t.ToStorage("/registry/core/configmaps/default/c", "{}"u8.ToArray());
        Assert.StartsWith("k8s:enc:aesgcm:v1:key2:", Encoding.ASCII.GetString(stored.Span));
        Assert.Equal("{}"u8.ToArray(), t.ToStorage("/registry/apps/deployments/default/d", "{}"u8.ToArray()).ToArray());
    }

    [Theory]
    [InlineData("kind: Other\napiVersion: apiserver.config.k8s.io/v1\nresources: []", "kind: Unsupported value")]
    [InlineData("kind: EncryptionConfiguration\napiVersion: v1\nresources: []", "apiVersion: Unsupported value")]
    [InlineData("kind: EncryptionConfiguration\napiVersion: apiserver.config.k8s.io/v1\nresources:\n- resources: [secrets]\n  providers:\n  - kms: {name: x}", "resources[0].providers[0]: Unsupported value: \"kms\"")]
    [InlineData("kind: EncryptionConfiguration\napiVersion: apiserver.config.k8s.io/v1\nresources:\n- resources: [secrets]\n  providers:\n  - aesgcm: {keys: [{name: a, secret: c2hvcnQ=}]}", "secret is not of the expected length, got 5")]
    [InlineData("kind: EncryptionConfiguration\napiVersion: apiserver.config.k8s.io/v1\nresources:\n- resources: [secrets]\n  providers: []", "resources[0].providers: Required value")]
    public void Parse_Invalid_NamesTheField(string yaml, string expected)
    {
        var ex = Assert.Throws<ArgumentException>(() => EncryptionConfigurationFile.Parse(yaml));
        Assert.Contains(expected, ex.Message);
    }

    [Fact]
    public void KeyFile_CreatedOnceOwnerOnly_ThenReused()
    {
        var path = Path.Combine(_dir.Path, EncryptionKeyFile.FileName);
        var first = EncryptionKeyFile.Ensure(path, NullLogger.Instance);
        var again = EncryptionKeyFile.Ensure(path, NullLogger.Instance);

        Assert.Equal(32, first.Length);
        Assert.Equal(first, again);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
    }

    [Fact]
    public void KeyFile_Corrupt_IsAStartupErrorNamingTheFile()
    {
        var path = Path.Combine(_dir.Path, EncryptionKeyFile.FileName);
        File.WriteAllText(path, Convert.ToBase64String(new byte[7]));
        var ex = Assert.Throws<StartupException>(() => EncryptionKeyFile.Ensure(path, NullLogger.Instance));
        Assert.Contains(path, ex.Message);
    }
}
