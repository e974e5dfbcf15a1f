using k8s.Models;
using Skiff.ApiServer.Registry.Core.ConfigMaps;
using static Skiff.ApiServer.Tests.Registry.Strategies;

namespace Skiff.ApiServer.Tests.Registry.Core.ConfigMaps;

public sealed class ConfigMapStrategyTests
{
    private static ConfigMapStrategy Strategy() => Bind<ConfigMapStrategy, V1ConfigMap>(new ConfigMapStrategy());

    private static V1ConfigMap ConfigMap() => new()
    {
        Metadata = Meta("settings"),
        Data = new Dictionary<string, string> { ["app.properties"] = "color=blue" },
    };

    [Fact]
    public void Validate_BadKey_ConfigKeyMessage()
    {
        var cm = ConfigMap();
        cm.Data["bad key"] = "x";
        var errors = Create(Strategy(), cm);

        Assert.Equal(
            "data[bad key]: Invalid value: \"bad key\": a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')",
            Assert.Single(errors).ToString());
    }

    [Fact]
    public void Validate_KeyInDataAndBinaryData_Duplicate()
    {
        var cm = ConfigMap();
        cm.BinaryData = new Dictionary<string, byte[]> { ["app.properties"] = [1] };
        var errors = Create(Strategy(), cm);

        Assert.Contains("data[app.properties]: Invalid value: \"app.properties\": duplicate of key present in binaryData", Messages(errors));
    }

    [Fact]
    public void Validate_MoreThanOneMebibyte_TooLong()
    {
        var cm = ConfigMap();
        cm.Data["big"] = new string('x', ConfigMapStrategy.MaxSize);
        var errors = Create(Strategy(), cm);

        Assert.Equal(": Too long: may not be more than 1048576 bytes", Assert.Single(errors).ToString());
    }

    [Fact]
    public void ValidateUpdate_ImmutableDataChanged_Forbidden()
    {
        var strategy = Strategy();
        var old = ConfigMap();
        old.Immutable = true;
        Create(strategy, old);
        var cm = Copy(old);
        cm.Data["app.properties"] = "color=red";

        Assert.Equal("data: Forbidden: field is immutable when `immutable` is set", Assert.Single(Update(strategy, cm, old)).ToString());
    }

    [Fact]
    public void ValidateUpdate_UnsetImmutable_Forbidden()
    {
        var strategy = Strategy();
        var old = ConfigMap();
        old.Immutable = true;
        var cm = Copy(old);
        cm.Immutable = false;

        Assert.Equal("immutable: Forbidden: field is immutable when `immutable` is set", Assert.Single(Update(strategy, cm, old)).ToString());
    }

    [Fact]
    public void ValidateUpdate_MutableDataChanged_Allowed()
    {
        var strategy = Strategy();
        var old = ConfigMap();
        var cm = Copy(old);
        cm.Data["app.properties"] = "color=red";

        Assert.Empty(Update(strategy, cm, old));
    }

    [Fact]
    public void Table_ConfigMap_DataCountsBothMaps()
    {
        var cm = ConfigMap();
        cm.BinaryData = new Dictionary<string, byte[]> { ["logo.png"] = [1, 2] };

        Assert.Equal(["Name", "Data", "Age"], ConfigMapTable.Instance.Columns.Select(c => c.Name));
        Assert.Equal(["settings", 2L, "5m"], ConfigMapTable.Instance.Cells(cm, Now));
    }
}
