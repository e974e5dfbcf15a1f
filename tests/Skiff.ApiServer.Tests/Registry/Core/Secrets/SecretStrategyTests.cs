using System.Text;
using k8s.Models;
using Skiff.ApiServer.Registry.Core.Secrets;
using static Skiff.ApiServer.Tests.Registry.Strategies;

namespace Skiff.ApiServer.Tests.Registry.Core.Secrets;

public sealed class SecretStrategyTests
{
    private static SecretStrategy Strategy() => Bind<SecretStrategy, V1Secret>(new SecretStrategy());

    private static V1Secret Secret(string? type = null) => new()
    {
        Metadata = Meta("creds"),
        Type = type,
        Data = new Dictionary<string, byte[]> { ["password"] = Encoding.UTF8.GetBytes("s3cret") },
    };

    [Fact]
    public void Create_NoType_Opaque()
    {
        var secret = Secret();
        Assert.Empty(Create(Strategy(), secret));
        Assert.Equal("Opaque", secret.Type);
    }

    [Fact]
    public void Default_StringData_MergedIntoDataAndDropped()
    {
        var secret = Secret();
        secret.StringData = new Dictionary<string, string> { ["password"] = "override", ["user"] = "admin" };
        Strategy().Default(secret);

        Assert.Null(secret.StringData);
        Assert.Equal("override", Encoding.UTF8.GetString(secret.Data["password"]));
        Assert.Equal("admin", Encoding.UTF8.GetString(secret.Data["user"]));
    }

    [Fact]
    public void Validate_TlsWithoutKeys_BothRequired()
    {
        var secret = Secret("kubernetes.io/tls");
        var errors = Create(Strategy(), secret);

        Assert.Equal(["data[tls.crt]: Required value", "data[tls.key]: Required value"], errors.Select(e => e.ToString()));
    }

    [Fact]
    public void Validate_DockerConfigJsonNotJson_Invalid()
    {
        var secret = Secret("kubernetes.io/dockerconfigjson");
        secret.Data[".dockerconfigjson"] = Encoding.UTF8.GetBytes("not json");
        var errors = Create(Strategy(), secret);

        Assert.StartsWith("data[.dockerconfigjson]: Invalid value: \"<secret contents redacted>\": ", Assert.Single(errors).ToString());
    }

    [Fact]
    public void Validate_ServiceAccountTokenWithoutAnnotation_Required()
    {
        var errors = Create(Strategy(), Secret("kubernetes.io/service-account-token"));

        Assert.Equal("metadata.annotations[kubernetes.io/service-account.name]: Required value", Assert.Single(errors).ToString());
    }

    [Fact]
    public void ValidateUpdate_TypeChanged_Immutable()
    {
        var strategy = Strategy();
        var old = Secret();
        Create(strategy, old);
        var secret = Copy(old);
        secret.Type = "kubernetes.io/basic-auth";

        Assert.Contains("type: Invalid value: \"kubernetes.io/basic-auth\": field is immutable", Messages(Update(strategy, secret, old)));
    }

    [Fact]
    public void ValidateUpdate_ImmutableSecretDataChanged_Forbidden()
    {
        var strategy = Strategy();
        var old = Secret();
        old.Immutable = true;
        Create(strategy, old);
        var secret = Copy(old);
        secret.StringData = new Dictionary<string, string> { ["password"] = "new" };

        Assert.Equal("data: Forbidden: field is immutable when `immutable` is set", Assert.Single(Update(strategy, secret, old)).ToString());
    }

    [Fact]
    public void SelectableFields_Secret_Type()
    {
        var secret = Secret();
        Strategy().Default(secret);

        Assert.Equal(new KeyValuePair<string, string>("type", "Opaque"), Assert.Single(Strategy().SelectableFields(secret)));
    }

    [Fact]
    public void Table_Secret_NameTypeDataAge()
    {
        var secret = Secret();
        Strategy().Default(secret);

        Assert.Equal(["Name", "Type", "Data", "Age"], SecretTable.Instance.Columns.Select(c => c.Name));
        Assert.Equal(["creds", "Opaque", 1L, "5m"], SecretTable.Instance.Cells(secret, Now));
    }
}
