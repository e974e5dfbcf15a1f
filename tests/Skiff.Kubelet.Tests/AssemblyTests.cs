namespace Skiff.Kubelet.Tests;

public class AssemblyTests
{
    [Fact]
    public void Kubelet_assembly_loads() => Assert.Equal("Skiff.Kubelet", typeof(KubeletAssembly).Assembly.GetName().Name);
}
