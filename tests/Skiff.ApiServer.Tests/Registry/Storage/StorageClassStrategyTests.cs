using k8s.Models;
using Skiff.ApiServer.Registry.Storage.StorageClasses;

namespace Skiff.ApiServer.Tests.Registry.Storage;

public class StorageClassStrategyTests
{
    private readonly StorageClassStrategy _strategy = Strategies.For<StorageClassStrategy, V1StorageClass>();

    private static V1StorageClass Class() => new()
    {
        Metadata = new V1ObjectMeta { Name = "local-path", CreationTimestamp = Strategies.Now.AddHours(-2) },
        Provisioner = "rancher.io/local-path",
        Parameters = new Dictionary<string, string> { ["type"] = "ssd" },
    };

    [Fact]
    public void Create_Defaults_DeleteImmediate()
    {
        var sc = Class();
        Assert.Empty(Strategies.Create(_strategy, sc));
        Assert.Equal("Delete", sc.ReclaimPolicy);
        Assert.Equal("Immediate", sc.VolumeBindingMode);
    }

    [Fact]
    public void Create_NoProvisioner_Required()
    {
        var sc = Class();
        sc.Provisioner = null;
        Assert.Equal("provisioner: Required value", Assert.Single(Strategies.Create(_strategy, sc)).ToString());
    }

    [Fact]
    public void Update_Parameters_Forbidden()
    {
        var old = Class();
        Strategies.Create(_strategy, old);
        var updated = Strategies.Copy(old);
        updated.Parameters["type"] = "hdd";
        Assert.Equal("parameters: Forbidden: updates to parameters are forbidden.", Assert.Single(Strategies.Update(_strategy, updated, old)).ToString());
    }

    [Fact]
    public void Table_DefaultClass_NameSuffixed()
    {
        var sc = Class();
        _strategy.Default(sc);
        sc.Metadata.Annotations = new Dictionary<string, string> { [StorageClassStrategy.DefaultAnnotation] = "true" };
        Assert.Equal(["Name", "Provisioner", "ReclaimPolicy", "VolumeBindingMode", "AllowVolumeExpansion", "Age"], _strategy.Table.Columns.Select(c => c.Name));
        Assert.Equal<object?>(["local-path (default)", "rancher.io/local-path", "Delete", "Immediate", false, "120m"], _strategy.Table.Cells(sc, Strategies.Now));
    }
}
