using System.Text;
using k8s.Models;
using Skiff.Api.Schema;

namespace Skiff.Api.Tests.Schema;

public sealed class FieldValidatorTests
{
    private static IReadOnlyList<string> Check<T>(string json) => FieldValidator.Check(Encoding.UTF8.GetBytes(json), typeof(T));

    [Fact]
    public void Check_CleanPod_ReportsNothing()
    {
        var messages = Check<V1Pod>("""
            {"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","labels":{"app":"web"},"annotations":{"a":"b"}},
             "spec":{"containers":[{"name":"c","image":"nginx","ports":[{"containerPort":80}],
                     "resources":{"limits":{"cpu":"100m","memory":1024}},
                     "livenessProbe":{"httpGet":{"port":"http","path":"/"}}}],
                     "restartPolicy":"Always"},
             "status":{"phase":"Pending"}}
            """);

        Assert.Empty(messages);
    }

    [Fact]
    public void Check_UnknownNestedFields_UsesKubernetesPaths()
    {
        var messages = Check<V1Pod>("""
            {"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","nmae":"x"},
             "spec":{"foo":1,"containers":[{"name":"a"},{"name":"c","bar":{"deep":[1,2]},"image":"i"}]}}
            """);

        Assert.Equal(["unknown field \"metadata.nmae\"", "unknown field \"spec.foo\"", "unknown field \"spec.containers[1].bar\""], messages);
    }

    [Fact]
    public void Check_DuplicateFields_ReportedOnceEach()
    {
        var messages = Check<V1Deployment>("""
            {"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"a","name":"b"},
             "spec":{"unknownDupe":1,"unknownDupe":2,"paused":true,"paused":false,
               "selector":{"matchLabels":{"app":"nginx"}},
               "template":{"spec":{"containers":[{"name":"n","image":"nginx","unknownNested":"v",
                 "imagePullPolicy":"Always","imagePullPolicy":"Never"}]}}}}
            """);

        // Same order and de-duplication as kube-apiserver's strict decoding; a field both unknown and
        // repeated is reported only as unknown.
        Assert.Equal(
        [
            "duplicate field \"metadata.name\"",
            "unknown field \"spec.unknownDupe\"",
            "duplicate field \"spec.paused\"",
            "unknown field \"spec.template.spec.containers[0].unknownNested\"",
            "duplicate field \"spec.template.spec.containers[0].imagePullPolicy\"",
        ], messages);
    }

    [Fact]
    public void Check_MapKeys_AreFreeButNotRepeatable()
    {
        var messages = Check<V1ConfigMap>("""
            {"metadata":{"name":"c","labels":{"a":"1","b":"2","a":"3"}},"data":{"anything":"x","goes":"y"}}
            """);

        Assert.Equal(["duplicate field \"metadata.labels.a\""], messages);
    }

    [Fact]
    public void Check_EscapedKeyInSmallMap_StillMatchesItsPlainTwin()
    {
        var messages = Check<V1ConfigMap>("{\"data\":{\"b\":\"1\",\"a\":\"1\",\"\\u0061\":\"2\"}}");

        Assert.Equal(["duplicate field \"data.a\""], messages);
    }

    [Fact]
    public void Check_LargeMapWithRepeatedKey_FallsBackToSetAndStillFinds()
    {
        var data = string.Join(",", Enumerable.Range(0, 40).Select(i => $"\"k{i}\":\"v\""));
        var messages = Check<V1ConfigMap>("{\"data\":{" + data + ",\"k3\":\"again\",\"k\\u0033\":\"escaped\"}}");

        Assert.Equal(["duplicate field \"data.k3\""], messages);
    }

    [Fact]
    public void Check_FreeFormFields_AreNotLookedInto()
    {
        var messages = Check<V1ControllerRevision>("""
            {"metadata":{"name":"r","managedFields":[{"manager":"m","fieldsV1":{"f:spec":{"f:x":{}}}}]},
             "data":{"whatever":{"nested":true}},"revision":1}
            """);

        Assert.Empty(messages);
    }

    [Fact]
    public void Check_SpecialScalars_AcceptNumbersAndStrings()
    {
        var messages = Check<V1Deployment>("""
            {"spec":{"strategy":{"type":"RollingUpdate","rollingUpdate":{"maxSurge":1,"maxUnavailable":"25%"}},
             "template":{"metadata":{"creationTimestamp":null},"spec":{"containers":[]}}}}
            """);

        Assert.Empty(messages);
    }

    [Fact]
    public void Check_NullsAndTypeMismatches_AreLeftToTheDeserializer()
    {
        var messages = Check<V1Pod>("""{"metadata":null,"spec":{"containers":"oops","volumes":[null,3]}}""");

        Assert.Empty(messages);
    }

    [Fact]
    public void Check_MalformedJson_ReturnsWhatWasFoundBeforeTheError()
    {
        var messages = Check<V1Pod>("""{"spec":{"bogus":1, "containers":[{""");

        Assert.Equal(["unknown field \"spec.bogus\""], messages);
    }

    [Fact]
    public void Check_QuotesOddCharactersLikeGo()
    {
        var messages = Check<V1Pod>("""{"spec":{"a\"b":1}}""");

        Assert.Equal(["unknown field \"spec.a\\\"b\""], messages);
    }

    [Fact]
    public void Check_ManyUnknownFields_CappedAtOneHundred()
    {
        var fields = string.Join(",", Enumerable.Range(0, 150).Select(i => $"\"x{i}\":1"));
        var messages = Check<V1Pod>($"{{{fields}}}");

        Assert.Equal(FieldValidator.MaxMessages, messages.Count);
        Assert.Equal("unknown field \"x0\"", messages[0]);
    }

    [Fact]
    public void Check_EveryCatalogKind_AcceptsItsOwnSerializedForm()
    {
        foreach (var resource in Skiff.Api.Resources.BuiltInResources.Resources)
        {
            var instance = Activator.CreateInstance(resource.Type)!;
            var json = Encoding.UTF8.GetBytes(k8s.KubernetesJson.Serialize(instance));
            Assert.Empty(FieldValidator.Check(json, resource.Type));
        }

        var pod = new V1Pod
        {
            ApiVersion = "v1",
            Kind = "Pod",
            Metadata = new V1ObjectMeta { Name = "p", Labels = new Dictionary<string, string> { ["a"] = "b" }, CreationTimestamp = DateTime.UtcNow },
            Spec = new V1PodSpec
            {
                Containers = [new V1Container { Name = "c", Image = "i", Ports = [new V1ContainerPort { ContainerPort = 80 }],
                    Resources = new V1ResourceRequirements { Limits = new Dictionary<string, ResourceQuantity> { ["cpu"] = new("1") } } }],
            },
        };
        Assert.Empty(FieldValidator.Check(Encoding.UTF8.GetBytes(k8s.KubernetesJson.Serialize(pod)), typeof(V1Pod)));
    }
}
