using Skiff.Api.Protobuf;

namespace Skiff.Api.Tests.Protobuf;

public sealed class ProtoSchemaTests
{
    [Fact]
    public void Instance_LoadsEveryPackageAndResolvesAllReferences()
    {
        var schema = ProtoSchema.Instance;

        Assert.True(schema.MessageCount > 500, $"{schema.MessageCount} messages");
        foreach (var message in schema.Messages)
        {
            foreach (var field in message.Fields)
            {
                Assert.True(field.Type != ProtoType.Message || field.Message is not null, $"{message.Name}.{field.JsonName}");
            }
        }
    }

    [Theory]
    [InlineData("k8s.io.api.core.v1.ConfigMap", "data", 2, "Map")]
    [InlineData("k8s.io.api.core.v1.ConfigMap", "immutable", 4, "Optional")]
    [InlineData("k8s.io.api.core.v1.Secret", "stringData", 4, "Map")]
    [InlineData("k8s.io.api.core.v1.PodSpec", "resources", 40, "Optional")]
    [InlineData("k8s.io.api.core.v1.Volume", "volumeSource", 2, "Inline")]
    [InlineData("k8s.io.api.apps.v1.DeploymentSpec", "progressDeadlineSeconds", 9, "Optional")]
    [InlineData("k8s.io.api.policy.v1.Eviction", "deleteOptions", 2, "Optional")]
    [InlineData("k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta", "managedFields", 17, "Repeated")]
    [InlineData("k8s.io.apimachinery.pkg.apis.meta.v1.DeleteOptions", "dryRun", 5, "Repeated")]
    [InlineData("k8s.io.api.authentication.v1.BoundObjectReference", "uid", 4, "Optional")] // proto name uID
    [InlineData("k8s.io.api.networking.v1.IngressClassParametersReference", "apiGroup", 1, "Optional")] // proto name aPIGroup
    public void Find_KnowsPublishedFieldNumbers(string message, string jsonName, int number, string label)
    {
        var m = ProtoSchema.Instance.Find(message)!;
        var field = m.Fields[m.IndexOf(number)];

        Assert.Equal(jsonName, field.JsonName.Value);
        Assert.Equal(label, field.Label.ToString());
    }

    [Fact]
    public void Find_RecordsGoPointerness()
    {
        var spec = ProtoSchema.Instance.Find("k8s.io.api.apps.v1.DeploymentSpec")!;

        Assert.False(spec.Fields[spec.IndexOf(1)].OmitEmpty); // replicas *int32
        Assert.True(spec.Fields[spec.IndexOf(5)].OmitEmpty); // minReadySeconds int32 omitempty
    }

    [Theory]
    [InlineData("v1", "Pod", "k8s.io.api.core.v1.Pod")]
    [InlineData("apps/v1", "Deployment", "k8s.io.api.apps.v1.Deployment")]
    [InlineData("rbac.authorization.k8s.io/v1", "RoleBinding", "k8s.io.api.rbac.v1.RoleBinding")]
    [InlineData("policy/v1", "Eviction", "k8s.io.api.policy.v1.Eviction")]
    [InlineData("batch/v1", "DeleteOptions", "k8s.io.apimachinery.pkg.apis.meta.v1.DeleteOptions")]
    [InlineData("v1", "Status", "k8s.io.apimachinery.pkg.apis.meta.v1.Status")]
    public void FindKind_MapsGroupsToPackages(string apiVersion, string kind, string expected)
    {
        Assert.Equal(expected, ProtoSchema.Instance.FindKind(apiVersion, kind)?.Name);
    }

    [Fact]
    public void Parse_RejectsUnknownReferences()
    {
        var text = "a.B\n x 1 optional a.Missing\n";

        Assert.Throws<InvalidOperationException>(() => ProtoSchema.Parse([new StringReader(text)]));
    }
}
