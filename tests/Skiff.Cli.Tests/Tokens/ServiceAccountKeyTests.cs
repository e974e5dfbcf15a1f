using System.Security.Cryptography;
using Microsoft.Extensions.Logging.Abstractions;
using Skiff.Cli.Tests.Support;
using Skiff.Tokens;

namespace Skiff.Cli.Tests.Tokens;

public sealed class ServiceAccountKeyTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Ensure_FirstStart_CreatesAnOwnerOnlyP256Key_AndLaterStartsLoadTheSameKey()
    {
        var path = Path.Combine(_dir.Path, "tls", ServiceAccountKey.FileName);
        using var first = ServiceAccountKey.Ensure(path, NullLogger.Instance);
        Assert.Equal(256, first.KeySize);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));

        using var second = ServiceAccountKey.Ensure(path, NullLogger.Instance);
        Assert.Equal(first.ExportSubjectPublicKeyInfo(), second.ExportSubjectPublicKeyInfo());
        var data = "payload"u8.ToArray();
        Assert.True(first.VerifyData(data, second.SignData(data, HashAlgorithmName.SHA256), HashAlgorithmName.SHA256));
    }

    [Fact]
    public void Ensure_CorruptFile_IsAStartupErrorNamingTheFile()
    {
        var path = Path.Combine(_dir.Path, ServiceAccountKey.FileName);
        File.WriteAllText(path, "not a key");
        var e = Assert.Throws<StartupException>(() => ServiceAccountKey.Ensure(path, NullLogger.Instance));
        Assert.Contains(path, e.Message);
    }
}
