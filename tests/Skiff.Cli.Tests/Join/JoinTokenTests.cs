using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Skiff.Join;

namespace Skiff.Cli.Tests.Join;

public sealed class JoinTokenTests
{
    private static readonly string Hash = new('a', 64);

    [Fact]
    public void TryParse_K10Token_CarriesTheCaHashAndTheBearerToken()
    {
        var token = JoinToken.TryParse($"K10{Hash}::abcdef.0123456789abcdef", null, out var error);
        Assert.Equal("", error);
        Assert.Equal(new JoinToken("abcdef", "0123456789abcdef", Hash), token);
        Assert.Equal("abcdef.0123456789abcdef", token!.BearerToken);
        Assert.Equal($"K10{Hash}::abcdef.0123456789abcdef", token.ToString());
    }

    [Fact]
    public void TryParse_BareTokenWithCaCertHash_Works() =>
        Assert.Equal(Hash, JoinToken.TryParse("abcdef.0123456789abcdef", "sha256:" + Hash, out _)!.CaHash);

    [Theory]
    [InlineData("abcdef.0123456789abcdef", null, "the token carries no CA hash")]
    [InlineData("abcdef.0123", null, "the token is not of the form")]
    [InlineData("K10abc::abcdef.0123456789abcdef", null, "the CA hash in the token is not 64 hexadecimal digits")]
    [InlineData("abcdef.0123456789abcdef", "md5:abc", "--ca-cert-hash must be sha256:")]
    public void TryParse_BadInput_SaysWhatIsWrong(string text, string? caHash, string expected)
    {
        Assert.Null(JoinToken.TryParse(text, caHash, out var error));
        Assert.StartsWith(expected, error, StringComparison.Ordinal);
    }

    [Fact]
    public void TryParse_CaCertHashDisagreeingWithTheToken_Refused()
    {
        Assert.Null(JoinToken.TryParse($"K10{Hash}::abcdef.0123456789abcdef", "sha256:" + new string('b', 64), out var error));
        Assert.Equal("--ca-cert-hash does not match the CA hash in the token", error);
    }

    [Fact]
    public void Generate_MakesValidDistinctTokens()
    {
        var a = JoinToken.Generate(Hash);
        var b = JoinToken.Generate(Hash);
        Assert.NotEqual(a.BearerToken, b.BearerToken);
        Assert.Equal(a, JoinToken.TryParse(a.ToString(), null, out _));
    }

    [Fact]
    public void HashOf_IsSha256OfTheDer()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var ca = new CertificateRequest("CN=ca", key, HashAlgorithmName.SHA256).CreateSelfSigned(DateTimeOffset.UtcNow, DateTimeOffset.UtcNow.AddDays(1));
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(ca.RawData)), JoinToken.HashOf(ca));
    }
}
