using k8s.Models;
using Skiff.Api.Validation;
using Skiff.ApiServer.Registry;
using Skiff.ApiServer.Registry.Core.Namespaces;
using static Skiff.ApiServer.Tests.Registry.Strategies;

namespace Skiff.ApiServer.Tests.Registry.Core.Namespaces;

public sealed class NamespaceStrategyTests
{
    private static NamespaceStrategy Strategy() => Bind<NamespaceStrategy, V1Namespace>(new NamespaceStrategy());

    private static V1Namespace Namespace() => new() { Metadata = Meta("team-a", null) };

    [Fact]
    public void Create_Namespace_ActiveWithKubernetesFinalizerAndNameLabel()
    {
        var ns = Namespace();
        var errors = Create(Strategy(), ns);

        Assert.Empty(errors);
        Assert.Equal("Active", ns.Status.Phase);
        Assert.Equal(["kubernetes"], ns.Spec.Finalizers);
        Assert.Equal("team-a", ns.Metadata.Labels["kubernetes.io/metadata.name"]);
    }

    [Fact]
    public void NameRule_Namespaces_DnsLabel() => Assert.Equal(NameRule.DnsLabel, Strategy().NameRule);

    [Fact]
    public void PrepareForUpdate_FinalizersAndStatusInBody_KeepsOld()
    {
        var strategy = Strategy();
        var old = Namespace();
        Create(strategy, old);
        var ns = Copy(old);
        ns.Spec.Finalizers = [];
        ns.Status.Phase = "Terminating";

        Assert.Empty(Update(strategy, ns, old));
        Assert.Equal(["kubernetes"], ns.Spec.Finalizers);
        Assert.Equal("Active", ns.Status.Phase);
    }

    [Fact]
    public void Default_UserChangesNameLabel_Restored()
    {
        var ns = Namespace();
        ns.Metadata.Labels = new Dictionary<string, string> { ["kubernetes.io/metadata.name"] = "other" };
        Strategy().Default(ns);

        Assert.Equal("team-a", ns.Metadata.Labels["kubernetes.io/metadata.name"]);
    }

    [Fact]
    public void Validate_UnqualifiedFinalizer_Invalid()
    {
        var ns = Namespace();
        ns.Spec = new V1NamespaceSpec { Finalizers = ["custom"] };
        var errors = Create(Strategy(), ns);

        Assert.Equal("spec.finalizers[0]: Invalid value: \"custom\": name is neither a standard finalizer name nor is it fully qualified", Assert.Single(errors).ToString());
    }

    [Fact]
    public void ValidateStatusUpdate_TerminatingWithoutDeletion_Invalid()
    {
        var strategy = Strategy();
        var old = Namespace();
        Create(strategy, old);
        var ns = Copy(old);
        ns.Status.Phase = "Terminating";
        var errors = new FieldErrors();
        strategy.ValidateStatusUpdate(ns, old, errors);

        Assert.Equal("status.Phase: Invalid value: \"Terminating\": may only be 'Active' if `deletionTimestamp` is empty", Assert.Single(errors).ToString());
    }

    [Fact]
    public void Table_Namespace_NameStatusAge()
    {
        var ns = Namespace();
        Create(Strategy(), ns);

        Assert.Equal(["Name", "Status", "Age"], NamespaceTable.Instance.Columns.Select(c => c.Name));
        Assert.Equal(["team-a", "Active", "5m"], NamespaceTable.Instance.Cells(ns, Now));
    }

    [Fact]
    public void SelectableFields_Namespace_StatusPhase() =>
        Assert.Equal("Active", Strategy().SelectableFields(new V1Namespace { Metadata = Meta("x", null), Status = new V1NamespaceStatus { Phase = "Active" } }).Single(kv => kv.Key == "status.phase").Value);
}
