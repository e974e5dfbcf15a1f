using System.Text;
using System.Text.Json.Nodes;
using k8s.Models;
using Skiff.Api.Patch;
using Skiff.Api.Schema;

namespace Skiff.Api.Tests.Patch;

/// <summary>
/// Strategic merge patch cases written from the documented semantics (Kubernetes' "Update API Objects in Place
/// Using kubectl patch" task and the strategic-merge-patch design document): original, patch, expected.
/// </summary>
public sealed class StrategicMergePatchTests
{
    private static readonly Dictionary<string, Type> Types = new()
    {
        ["pod"] = typeof(V1Pod),
        ["deploy"] = typeof(V1Deployment),
        ["svc"] = typeof(V1Service),
        ["cm"] = typeof(V1ConfigMap),
        ["node"] = typeof(V1Node),
    };

    public static TheoryData<string, string, string, string, string> Cases() => new()
    {
        // ---- maps ----
        { "add label", "pod", """{"metadata":{"labels":{"a":"1"}}}""", """{"metadata":{"labels":{"b":"2"}}}""", """{"metadata":{"labels":{"a":"1","b":"2"}}}""" },
        { "change label", "pod", """{"metadata":{"labels":{"a":"1"}}}""", """{"metadata":{"labels":{"a":"2"}}}""", """{"metadata":{"labels":{"a":"2"}}}""" },
        { "null deletes key", "pod", """{"metadata":{"labels":{"a":"1","b":"2"}}}""", """{"metadata":{"labels":{"a":null}}}""", """{"metadata":{"labels":{"b":"2"}}}""" },
        { "null for absent key is a no-op", "pod", """{"metadata":{"labels":{"a":"1"}}}""", """{"metadata":{"labels":{"zz":null}}}""", """{"metadata":{"labels":{"a":"1"}}}""" },
        { "new map is added", "pod", """{"metadata":{"name":"p"}}""", """{"metadata":{"labels":{"a":"1"}}}""", """{"metadata":{"name":"p","labels":{"a":"1"}}}""" },
        { "nulls inside a new map are dropped", "pod", """{}""", """{"metadata":{"labels":{"a":"1","b":null}}}""", """{"metadata":{"labels":{"a":"1"}}}""" },
        { "scalar replaced", "pod", """{"spec":{"restartPolicy":"Always"}}""", """{"spec":{"restartPolicy":"Never"}}""", """{"spec":{"restartPolicy":"Never"}}""" },
        { "map replaced by scalar of another type", "cm", """{"x":{"a":1}}""", """{"x":"s"}""", """{"x":"s"}""" },
        { "number replaced by string", "cm", """{"x":1}""", """{"x":"1"}""", """{"x":"1"}""" },
        { "$patch replace on a map", "pod", """{"metadata":{"labels":{"a":"1","b":"2"}}}""", """{"metadata":{"labels":{"$patch":"replace","c":"3"}}}""", """{"metadata":{"labels":{"c":"3"}}}""" },
        { "$patch delete on a map", "pod", """{"spec":{"securityContext":{"runAsUser":1}}}""", """{"spec":{"securityContext":{"$patch":"delete"}}}""", """{"spec":{"securityContext":{}}}""" },
        { "$patch delete on an absent map", "pod", """{"spec":{}}""", """{"spec":{"securityContext":{"$patch":"delete"}}}""", """{"spec":{}}""" },
        { "empty patch changes nothing", "pod", """{"metadata":{"name":"p"},"spec":{"containers":[{"name":"a"}]}}""", """{}""", """{"metadata":{"name":"p"},"spec":{"containers":[{"name":"a"}]}}""" },
        { "null deletes a whole map", "pod", """{"metadata":{"name":"p","annotations":{"a":"1"}}}""", """{"metadata":{"annotations":null}}""", """{"metadata":{"name":"p"}}""" },
        { "deep merge of nested structs", "deploy", """{"spec":{"replicas":1,"template":{"metadata":{"labels":{"app":"x"}}}}}""", """{"spec":{"template":{"metadata":{"labels":{"tier":"web"}}}}}""", """{"spec":{"replicas":1,"template":{"metadata":{"labels":{"app":"x","tier":"web"}}}}}""" },
        { "map-typed field merges keys", "pod", """{"spec":{"nodeSelector":{"a":"1"}}}""", """{"spec":{"nodeSelector":{"b":"2","a":null}}}""", """{"spec":{"nodeSelector":{"b":"2"}}}""" },
        { "quantity map merges keys", "pod", """{"spec":{"containers":[{"name":"a","resources":{"limits":{"cpu":"1"}}}]}}""", """{"spec":{"containers":[{"name":"a","resources":{"limits":{"memory":"1Gi"}}}]}}""", """{"spec":{"containers":[{"name":"a","resources":{"limits":{"cpu":"1","memory":"1Gi"}}}]}}""" },
        { "top-level $patch replace", "cm", """{"metadata":{"name":"a"},"data":{"k":"v"}}""", """{"$patch":"replace","metadata":{"name":"a"}}""", """{"metadata":{"name":"a"}}""" },
        { "top-level $patch delete", "cm", """{"metadata":{"name":"a"},"data":{"k":"v"}}""", """{"$patch":"delete"}""", """{}""" },
        { "data map of a configmap", "cm", """{"data":{"a":"1","b":"2"}}""", """{"data":{"b":"3","c":"4"}}""", """{"data":{"a":"1","b":"3","c":"4"}}""" },

        // ---- lists merged by key ----
        { "containers: change image by name", "pod", """{"spec":{"containers":[{"name":"a","image":"x"},{"name":"b","image":"y"}]}}""", """{"spec":{"containers":[{"name":"b","image":"z"}]}}""", """{"spec":{"containers":[{"name":"a","image":"x"},{"name":"b","image":"z"}]}}""" },
        { "containers: new item goes first (kubectl patch task)", "deploy", """{"spec":{"template":{"spec":{"containers":[{"name":"patch-demo-ctr","image":"nginx"}]}}}}""", """{"spec":{"template":{"spec":{"containers":[{"name":"patch-demo-ctr-2","image":"redis"}]}}}}""", """{"spec":{"template":{"spec":{"containers":[{"name":"patch-demo-ctr-2","image":"redis"},{"name":"patch-demo-ctr","image":"nginx"}]}}}}""" },
        { "containers: $patch delete by name", "pod", """{"spec":{"containers":[{"name":"a"},{"name":"b"}]}}""", """{"spec":{"containers":[{"name":"a","$patch":"delete"}]}}""", """{"spec":{"containers":[{"name":"b"}]}}""" },
        { "containers: $patch delete of an absent name", "pod", """{"spec":{"containers":[{"name":"a"}]}}""", """{"spec":{"containers":[{"name":"zz","$patch":"delete"}]}}""", """{"spec":{"containers":[{"name":"a"}]}}""" },
        { "containers: $patch replace element replaces the list", "pod", """{"spec":{"containers":[{"name":"a"},{"name":"b"}]}}""", """{"spec":{"containers":[{"name":"c","image":"i"},{"$patch":"replace"}]}}""", """{"spec":{"containers":[{"name":"c","image":"i"}]}}""" },
        { "containers: delete one, add one", "pod", """{"spec":{"containers":[{"name":"a"},{"name":"b"}]}}""", """{"spec":{"containers":[{"name":"a","$patch":"delete"},{"name":"c"}]}}""", """{"spec":{"containers":[{"name":"c"},{"name":"b"}]}}""" },
        { "containers: merge into an absent list", "pod", """{"spec":{}}""", """{"spec":{"containers":[{"name":"a","image":"x"}]}}""", """{"spec":{"containers":[{"name":"a","image":"x"}]}}""" },
        { "containers: null removes the list", "pod", """{"spec":{"containers":[{"name":"a"}],"hostname":"h"}}""", """{"spec":{"containers":null}}""", """{"spec":{"hostname":"h"}}""" },
        { "containers: empty patch list keeps the merge list", "pod", """{"spec":{"containers":[{"name":"a"}]}}""", """{"spec":{"containers":[]}}""", """{"spec":{"containers":[{"name":"a"}]}}""" },
        { "containers: null inside an element deletes the field", "pod", """{"spec":{"containers":[{"name":"a","image":"x","workingDir":"/w"}]}}""", """{"spec":{"containers":[{"name":"a","workingDir":null}]}}""", """{"spec":{"containers":[{"name":"a","image":"x"}]}}""" },
        { "containers: $patch replace on a nested struct", "pod", """{"spec":{"containers":[{"name":"a","resources":{"requests":{"cpu":"1"}}}]}}""", """{"spec":{"containers":[{"name":"a","resources":{"$patch":"replace","limits":{"cpu":"2"}}}]}}""", """{"spec":{"containers":[{"name":"a","resources":{"limits":{"cpu":"2"}}}]}}""" },
        { "initContainers merge by name", "pod", """{"spec":{"initContainers":[{"name":"i","image":"x"}]}}""", """{"spec":{"initContainers":[{"name":"i","image":"y"}]}}""", """{"spec":{"initContainers":[{"name":"i","image":"y"}]}}""" },
        { "env merge by name", "pod", """{"spec":{"containers":[{"name":"a","env":[{"name":"A","value":"1"},{"name":"B","value":"2"}]}]}}""", """{"spec":{"containers":[{"name":"a","env":[{"name":"B","value":"3"}]}]}}""", """{"spec":{"containers":[{"name":"a","env":[{"name":"A","value":"1"},{"name":"B","value":"3"}]}]}}""" },
        { "env $patch delete", "pod", """{"spec":{"containers":[{"name":"a","env":[{"name":"A","value":"1"},{"name":"B","value":"2"}]}]}}""", """{"spec":{"containers":[{"name":"a","env":[{"name":"A","$patch":"delete"}]}]}}""", """{"spec":{"containers":[{"name":"a","env":[{"name":"B","value":"2"}]}]}}""" },
        { "env valueFrom replaces value with null", "pod", """{"spec":{"containers":[{"name":"a","env":[{"name":"A","value":"1"}]}]}}""", """{"spec":{"containers":[{"name":"a","env":[{"name":"A","value":null,"valueFrom":{"fieldRef":{"fieldPath":"metadata.name"}}}]}]}}""", """{"spec":{"containers":[{"name":"a","env":[{"name":"A","valueFrom":{"fieldRef":{"fieldPath":"metadata.name"}}}]}]}}""" },
        { "container ports merge by containerPort", "pod", """{"spec":{"containers":[{"name":"a","ports":[{"containerPort":80}]}]}}""", """{"spec":{"containers":[{"name":"a","ports":[{"containerPort":443,"name":"https"}]}]}}""", """{"spec":{"containers":[{"name":"a","ports":[{"containerPort":443,"name":"https"},{"containerPort":80}]}]}}""" },
        { "volumeMounts merge by mountPath", "pod", """{"spec":{"containers":[{"name":"a","volumeMounts":[{"name":"v","mountPath":"/a"}]}]}}""", """{"spec":{"containers":[{"name":"a","volumeMounts":[{"name":"v","mountPath":"/a","readOnly":true}]}]}}""", """{"spec":{"containers":[{"name":"a","volumeMounts":[{"name":"v","mountPath":"/a","readOnly":true}]}]}}""" },
        { "imagePullSecrets merge by name", "pod", """{"spec":{"imagePullSecrets":[{"name":"a"}]}}""", """{"spec":{"imagePullSecrets":[{"name":"b"}]}}""", """{"spec":{"imagePullSecrets":[{"name":"b"},{"name":"a"}]}}""" },
        { "hostAliases merge by ip", "pod", """{"spec":{"hostAliases":[{"ip":"1.1.1.1","hostnames":["a"]}]}}""", """{"spec":{"hostAliases":[{"ip":"1.1.1.1","hostnames":["b"]}]}}""", """{"spec":{"hostAliases":[{"ip":"1.1.1.1","hostnames":["b"]}]}}""" },
        { "service ports merge by port", "svc", """{"spec":{"ports":[{"port":80,"targetPort":8080},{"port":443}]}}""", """{"spec":{"ports":[{"port":80,"targetPort":9090}]}}""", """{"spec":{"ports":[{"port":80,"targetPort":9090},{"port":443}]}}""" },
        { "pod conditions merge by type", "pod", """{"status":{"conditions":[{"type":"Ready","status":"False"},{"type":"Initialized","status":"True"}]}}""", """{"status":{"conditions":[{"type":"Ready","status":"True"}]}}""", """{"status":{"conditions":[{"type":"Ready","status":"True"},{"type":"Initialized","status":"True"}]}}""" },
        { "node addresses merge by type", "node", """{"status":{"addresses":[{"type":"InternalIP","address":"10.0.0.1"}]}}""", """{"status":{"addresses":[{"type":"Hostname","address":"n1"}]}}""", """{"status":{"addresses":[{"type":"Hostname","address":"n1"},{"type":"InternalIP","address":"10.0.0.1"}]}}""" },
        { "ownerReferences merge by uid", "cm", """{"metadata":{"ownerReferences":[{"uid":"1","name":"a"}]}}""", """{"metadata":{"ownerReferences":[{"uid":"2","name":"b"}]}}""", """{"metadata":{"ownerReferences":[{"uid":"2","name":"b"},{"uid":"1","name":"a"}]}}""" },

        // ---- replaced lists ----
        { "tolerations are replaced", "pod", """{"spec":{"tolerations":[{"key":"a","operator":"Exists"}]}}""", """{"spec":{"tolerations":[{"key":"b","operator":"Exists"}]}}""", """{"spec":{"tolerations":[{"key":"b","operator":"Exists"}]}}""" },
        { "args are replaced", "pod", """{"spec":{"containers":[{"name":"a","args":["x","y"]}]}}""", """{"spec":{"containers":[{"name":"a","args":["z"]}]}}""", """{"spec":{"containers":[{"name":"a","args":["z"]}]}}""" },
        { "empty list clears a replaced list", "pod", """{"spec":{"containers":[{"name":"a","command":["x"]}]}}""", """{"spec":{"containers":[{"name":"a","command":[]}]}}""", """{"spec":{"containers":[{"name":"a","command":[]}]}}""" },
        { "unknown list field is replaced", "cm", """{"x":[1,2]}""", """{"x":[3]}""", """{"x":[3]}""" },
        { "service externalIPs are replaced", "svc", """{"spec":{"externalIPs":["1.1.1.1"]}}""", """{"spec":{"externalIPs":["2.2.2.2"]}}""", """{"spec":{"externalIPs":["2.2.2.2"]}}""" },

        // ---- primitive merge lists ----
        { "finalizers: new value goes first", "cm", """{"metadata":{"finalizers":["a","b"]}}""", """{"metadata":{"finalizers":["c"]}}""", """{"metadata":{"finalizers":["c","a","b"]}}""" },
        { "finalizers: duplicates are dropped", "cm", """{"metadata":{"finalizers":["a","b"]}}""", """{"metadata":{"finalizers":["b"]}}""", """{"metadata":{"finalizers":["a","b"]}}""" },
        { "$deleteFromPrimitiveList removes values", "cm", """{"metadata":{"finalizers":["a","b","c"]}}""", """{"metadata":{"$deleteFromPrimitiveList/finalizers":["b"]}}""", """{"metadata":{"finalizers":["a","c"]}}""" },
        { "$deleteFromPrimitiveList of an absent list", "cm", """{"metadata":{"name":"x"}}""", """{"metadata":{"$deleteFromPrimitiveList/finalizers":["b"]}}""", """{"metadata":{"name":"x"}}""" },
        { "$deleteFromPrimitiveList and add together", "cm", """{"metadata":{"finalizers":["a","b"]}}""", """{"metadata":{"$deleteFromPrimitiveList/finalizers":["a"],"finalizers":["c"]}}""", """{"metadata":{"finalizers":["c","b"]}}""" },
        { "$setElementOrder orders a primitive list", "cm", """{"metadata":{"finalizers":["a","b"]}}""", """{"metadata":{"$setElementOrder/finalizers":["b","a"]}}""", """{"metadata":{"finalizers":["b","a"]}}""" },
        { "$setElementOrder places a new primitive", "cm", """{"metadata":{"finalizers":["a","b"]}}""", """{"metadata":{"$setElementOrder/finalizers":["a","c","b"],"finalizers":["c"]}}""", """{"metadata":{"finalizers":["a","c","b"]}}""" },

        // ---- $setElementOrder on keyed lists ----
        { "$setElementOrder places a new container", "pod", """{"spec":{"containers":[{"name":"a"},{"name":"b"}]}}""", """{"spec":{"$setElementOrder/containers":[{"name":"b"},{"name":"c"},{"name":"a"}],"containers":[{"name":"c","image":"x"}]}}""", """{"spec":{"containers":[{"name":"b"},{"name":"c","image":"x"},{"name":"a"}]}}""" },
        { "$setElementOrder alone reorders", "pod", """{"spec":{"containers":[{"name":"a"},{"name":"b"},{"name":"c"}]}}""", """{"spec":{"$setElementOrder/containers":[{"name":"c"},{"name":"b"},{"name":"a"}]}}""", """{"spec":{"containers":[{"name":"c"},{"name":"b"},{"name":"a"}]}}""" },
        { "$setElementOrder keeps server-only items in place", "pod", """{"spec":{"containers":[{"name":"a"},{"name":"b"},{"name":"c"}]}}""", """{"spec":{"$setElementOrder/containers":[{"name":"a"},{"name":"c"}],"containers":[{"name":"c","image":"x"}]}}""", """{"spec":{"containers":[{"name":"a"},{"name":"b"},{"name":"c","image":"x"}]}}""" },
        { "$setElementOrder with a deleted item (kubectl apply removal)", "pod", """{"spec":{"containers":[{"name":"a"},{"name":"b"},{"name":"c"}]}}""", """{"spec":{"$setElementOrder/containers":[{"name":"a"},{"name":"c"}],"containers":[{"$patch":"delete","name":"b"}]}}""", """{"spec":{"containers":[{"name":"a"},{"name":"c"}]}}""" },
        { "$setElementOrder on nested env", "deploy", """{"spec":{"template":{"spec":{"containers":[{"name":"a","env":[{"name":"X","value":"1"}]}]}}}}""", """{"spec":{"template":{"spec":{"$setElementOrder/containers":[{"name":"a"}],"containers":[{"$setElementOrder/env":[{"name":"Y"},{"name":"X"}],"env":[{"name":"Y","value":"2"}],"name":"a"}]}}}}""", """{"spec":{"template":{"spec":{"containers":[{"name":"a","env":[{"name":"Y","value":"2"},{"name":"X","value":"1"}]}]}}}}""" },
        { "$setElementOrder on service ports", "svc", """{"spec":{"ports":[{"port":80},{"port":443}]}}""", """{"spec":{"$setElementOrder/ports":[{"port":443},{"port":80}],"ports":[{"port":443,"name":"https"}]}}""", """{"spec":{"ports":[{"port":443,"name":"https"},{"port":80}]}}""" },

        // ---- $retainKeys ----
        { "$retainKeys clears the other union members", "deploy", """{"spec":{"strategy":{"type":"RollingUpdate","rollingUpdate":{"maxSurge":1}}}}""", """{"spec":{"strategy":{"$retainKeys":["type"],"type":"Recreate"}}}""", """{"spec":{"strategy":{"type":"Recreate"}}}""" },
        { "$retainKeys allows nulls for dropped keys", "deploy", """{"spec":{"strategy":{"type":"RollingUpdate","rollingUpdate":{"maxSurge":1}}}}""", """{"spec":{"strategy":{"$retainKeys":["type"],"type":"Recreate","rollingUpdate":null}}}""", """{"spec":{"strategy":{"type":"Recreate"}}}""" },
        { "$retainKeys keeps listed keys", "deploy", """{"spec":{"strategy":{"type":"RollingUpdate","rollingUpdate":{"maxSurge":1}}}}""", """{"spec":{"strategy":{"$retainKeys":["rollingUpdate","type"],"rollingUpdate":{"maxUnavailable":2}}}}""", """{"spec":{"strategy":{"type":"RollingUpdate","rollingUpdate":{"maxSurge":1,"maxUnavailable":2}}}}""" },
        { "volumes: $retainKeys switches the volume source", "pod", """{"spec":{"volumes":[{"name":"v","emptyDir":{}}]}}""", """{"spec":{"volumes":[{"name":"v","configMap":{"name":"cm"},"$retainKeys":["configMap","name"]}]}}""", """{"spec":{"volumes":[{"name":"v","configMap":{"name":"cm"}}]}}""" },
        { "volumes merge by name without directives", "pod", """{"spec":{"volumes":[{"name":"v","emptyDir":{}}]}}""", """{"spec":{"volumes":[{"name":"w","emptyDir":{}}]}}""", """{"spec":{"volumes":[{"name":"w","emptyDir":{}},{"name":"v","emptyDir":{}}]}}""" },

        // ---- kubectl commands' patches ----
        { "kubectl set image", "deploy", """{"spec":{"template":{"spec":{"containers":[{"name":"web","image":"nginx:1"},{"name":"side","image":"busybox"}]}}}}""", """{"spec":{"template":{"spec":{"containers":[{"image":"nginx:2","name":"web"}]}}}}""", """{"spec":{"template":{"spec":{"containers":[{"name":"web","image":"nginx:2"},{"name":"side","image":"busybox"}]}}}}""" },
        { "kubectl rollout restart", "deploy", """{"spec":{"template":{"metadata":{"labels":{"app":"w"}}}}}""", """{"spec":{"template":{"metadata":{"annotations":{"kubectl.kubernetes.io/restartedAt":"2024-01-01T00:00:00Z"}}}}}""", """{"spec":{"template":{"metadata":{"labels":{"app":"w"},"annotations":{"kubectl.kubernetes.io/restartedAt":"2024-01-01T00:00:00Z"}}}}}""" },
        { "kubectl apply: removed label and changed replicas", "deploy", """{"metadata":{"labels":{"a":"1","b":"2"}},"spec":{"replicas":3}}""", """{"metadata":{"labels":{"b":null}},"spec":{"replicas":1}}""", """{"metadata":{"labels":{"a":"1"}},"spec":{"replicas":1}}""" },
    };

    public static TheoryData<string, string, string, string> ErrorCases() => new()
    {
        { "unknown $patch on a map", "pod", """{"metadata":{"labels":{"$patch":"frobnicate"}}}""", "unknown patch type: frobnicate" },
        { "$patch merge in a list", "pod", """{"spec":{"containers":[{"$patch":"merge"}]}}""", "merging lists cannot yet be specified in the patch" },
        { "unknown $patch in a list", "pod", """{"spec":{"containers":[{"name":"a","$patch":"nope"}]}}""", "unknown patch type: nope" },
        { "delete without merge key", "pod", """{"spec":{"containers":[{"$patch":"delete"}]}}""", "does not contain declared merge key: name" },
        { "element without merge key", "pod", """{"spec":{"containers":[{"image":"x"}]}}""", "does not contain declared merge key: name" },
        { "$retainKeys not a list", "deploy", """{"spec":{"strategy":{"$retainKeys":"type","type":"Recreate"}}}""", "expected a slice" },
        { "patch field outside $retainKeys", "deploy", """{"spec":{"strategy":{"$retainKeys":["type"],"rollingUpdate":{"maxSurge":1}}}}""", "invalid patch format of retainKeys" },
        { "$setElementOrder not a list", "pod", """{"spec":{"$setElementOrder/containers":{"name":"a"}}}""", "invalid patch format of setElementOrder list" },
        { "$setElementOrder mismatching the patch", "pod", """{"spec":{"$setElementOrder/containers":[{"name":"a"}],"containers":[{"name":"b"}]}}""", "doesn't match $setElementOrder list" },
        { "$deleteFromPrimitiveList not a list", "cm", """{"metadata":{"$deleteFromPrimitiveList/finalizers":"a"}}""", "invalid patch format of primitive list" },
        { "objects in a primitive merge list", "cm", """{"metadata":{"finalizers":[{"a":1}]}}""", "cannot merge lists without merge key" },
        { "not an object", "cm", """[1,2]""", "cannot unmarshal array" },
        { "invalid JSON", "cm", """{"metadata":""", "error decoding patch" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Apply_Case_GivesExpected(string name, string type, string original, string patch, string expected)
    {
        var result = StrategicMergePatch.Apply(JsonNode.Parse(original), Encoding.UTF8.GetBytes(patch), ModelSchema.Of(Types[type]));
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(expected), result), $"{name}:\nexpected {expected}\nactual   {result.ToJsonString()}");
    }

    [Theory]
    [MemberData(nameof(ErrorCases))]
    public void Apply_BadPatch_Throws(string name, string type, string patch, string message)
    {
        var original = """{"metadata":{"name":"x","finalizers":["f"]},"spec":{"containers":[{"name":"a"}],"strategy":{"type":"RollingUpdate"}}}""";
        var e = Assert.Throws<PatchException>(() => StrategicMergePatch.Apply(JsonNode.Parse(original), Encoding.UTF8.GetBytes(patch), ModelSchema.Of(Types[type])));
        Assert.True(e.Message.Contains(message, StringComparison.Ordinal), $"{name}: {e.Message}");
    }

    [Fact]
    public void Apply_DoesNotModifyInputs()
    {
        var original = JsonNode.Parse("""{"spec":{"containers":[{"name":"a","image":"x"}]}}""")!;
        var patch = (JsonObject)JsonNode.Parse("""{"spec":{"containers":[{"name":"a","image":"y"},{"name":"b"}]}}""")!;
        var before = original.ToJsonString();
        var patchBefore = patch.ToJsonString();
        StrategicMergePatch.Apply(original, patch, ModelSchema.Of<V1Pod>());
        Assert.Equal(before, original.ToJsonString());
        Assert.Equal(patchBefore, patch.ToJsonString());
    }

    [Fact]
    public void Cases_AreAtLeastSixty() => Assert.True(Cases().Count + ErrorCases().Count >= 60);
}
