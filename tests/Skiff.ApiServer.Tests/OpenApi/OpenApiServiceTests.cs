using System.Text.Json;
using k8s.Models;
using Skiff.Api.Resources;
using Skiff.ApiServer.OpenApi;

namespace Skiff.ApiServer.Tests.OpenApi;

public sealed class OpenApiServiceTests
{
    // One service for the class: generation is what is being tested, and it is cached per document.
    private static readonly OpenApiService Service = new(BuiltInResources.Resources, ModelDocumentation.Locate());

    private static JsonElement V3(string path) => JsonDocument.Parse(Service.GetV3Document(path)!.Content).RootElement;

    [Fact]
    public void GetV3Index_ListsEveryGroupVersionOfTheCatalog()
    {
        var paths = JsonDocument.Parse(Service.GetV3Index().Content).RootElement.GetProperty("paths");

        var expected = BuiltInResources.Resources
            .Select(r => r.Group.Length == 0 ? $"api/{r.Version}" : $"apis/{r.Group}/{r.Version}")
            .Distinct().Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(expected, paths.EnumerateObject().Select(p => p.Name).ToArray());
        foreach (var path in expected)
        {
            var url = paths.GetProperty(path).GetProperty("serverRelativeURL").GetString();
            Assert.Equal($"/openapi/v3/{path}?hash={Service.GetV3Hash(path)}", url);
            Assert.Equal(128, Service.GetV3Hash(path)!.Length);
        }
    }

    [Fact]
    public void GetV3Document_CoreV1_HasPodWithGvkAndFieldDescriptions()
    {
        var root = V3("api/v1");
        Assert.Equal("3.0.0", root.GetProperty("openapi").GetString());
        var schemas = root.GetProperty("components").GetProperty("schemas");

        var pod = schemas.GetProperty("io.k8s.api.core.v1.Pod");
        var gvk = Assert.Single(pod.GetProperty("x-kubernetes-group-version-kind").EnumerateArray());
        Assert.Equal(("", "v1", "Pod"), (gvk.GetProperty("group").GetString(), gvk.GetProperty("version").GetString(), gvk.GetProperty("kind").GetString()));
        Assert.StartsWith("Pod is a collection of containers", pod.GetProperty("description").GetString());

        var containers = Resolve(schemas, Resolve(schemas, pod).GetProperty("properties").GetProperty("spec"))
            .GetProperty("properties").GetProperty("containers");
        Assert.StartsWith("List of containers belonging to the pod.", containers.GetProperty("description").GetString());
        Assert.Equal("array", containers.GetProperty("type").GetString());
        Assert.Equal("name", containers.GetProperty("x-kubernetes-patch-merge-key").GetString());
        Assert.Equal("#/components/schemas/io.k8s.api.core.v1.Container", containers.GetProperty("items").GetProperty("$ref").GetString());
        Assert.Contains("containers", schemas.GetProperty("io.k8s.api.core.v1.PodSpec").GetProperty("required").EnumerateArray().Select(e => e.GetString()));

        Assert.Equal("int-or-string", schemas.GetProperty("io.k8s.apimachinery.pkg.util.intstr.IntOrString").GetProperty("format").GetString());
        Assert.True(schemas.GetProperty("io.k8s.apimachinery.pkg.util.intstr.IntOrString").GetProperty("x-kubernetes-int-or-string").GetBoolean());
        Assert.True(schemas.TryGetProperty("io.k8s.apimachinery.pkg.api.resource.Quantity", out _));
        Assert.Equal("date-time", schemas.GetProperty("io.k8s.apimachinery.pkg.apis.meta.v1.Time").GetProperty("format").GetString());
        Assert.True(schemas.TryGetProperty("io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta", out _));
    }

    [Fact]
    public void GetV3Document_AppsV1_DeploymentContainersResolveThroughRefs()
    {
        var schemas = V3("apis/apps/v1").GetProperty("components").GetProperty("schemas");

        var deployment = schemas.GetProperty("io.k8s.api.apps.v1.Deployment");
        var node = deployment;
        foreach (var field in new[] { "spec", "template", "spec", "containers" })
        {
            node = Resolve(schemas, node.GetProperty("properties").GetProperty(field));
        }

        var container = Resolve(schemas, node.GetProperty("items"));
        Assert.True(container.GetProperty("properties").TryGetProperty("image", out _));
        Assert.True(schemas.TryGetProperty("io.k8s.api.core.v1.PodTemplateSpec", out _));
        Assert.True(schemas.TryGetProperty("io.k8s.api.apps.v1.DeploymentStrategy", out _));
        Assert.True(schemas.TryGetProperty("io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector", out _));

        var maxSurge = Resolve(schemas, schemas.GetProperty("io.k8s.api.apps.v1.RollingUpdateDeployment").GetProperty("properties").GetProperty("maxSurge"));
        Assert.Equal("int-or-string", maxSurge.GetProperty("format").GetString());
    }

    [Fact]
    public void GetV3Document_WriteOperations_TakeFieldValidation()
    {
        foreach (var path in Service.GroupVersionPaths)
        {
            var paths = V3(path).GetProperty("paths");
            var writes = 0;
            foreach (var entry in paths.EnumerateObject())
            {
                foreach (var method in new[] { "post", "put", "patch" })
                {
                    if (!entry.Value.TryGetProperty(method, out var op))
                    {
                        continue;
                    }

                    writes++;
                    var names = op.GetProperty("parameters").EnumerateArray()
                        .Where(p => p.GetProperty("in").GetString() == "query").Select(p => p.GetProperty("name").GetString()).ToList();
                    Assert.Contains("fieldValidation", names);
                    Assert.Contains("dryRun", names);
                    Assert.Contains("fieldManager", names);
                    Assert.True(op.TryGetProperty("x-kubernetes-group-version-kind", out _), $"{method} {entry.Name}");
                }
            }

            Assert.True(writes > 0, path);
        }

        var patch = V3("apis/apps/v1").GetProperty("paths").GetProperty("/apis/apps/v1/namespaces/{namespace}/deployments/{name}").GetProperty("patch");
        Assert.Equal("patchAppsV1NamespacedDeployment", patch.GetProperty("operationId").GetString());
        Assert.Equal(
            ["application/apply-patch+yaml", "application/json-patch+json", "application/merge-patch+json", "application/strategic-merge-patch+json"],
            patch.GetProperty("requestBody").GetProperty("content").EnumerateObject().Select(p => p.Name).ToArray());
    }

    [Fact]
    public void GetV3Document_ServesTheRestOperationsOfEachResource()
    {
        var paths = V3("api/v1").GetProperty("paths");

        Assert.Equal(["delete", "get", "post"], Methods(paths, "/api/v1/namespaces/{namespace}/pods"));
        Assert.Equal(["delete", "get", "patch", "put"], Methods(paths, "/api/v1/namespaces/{namespace}/pods/{name}"));
        Assert.Equal(["get", "patch", "put"], Methods(paths, "/api/v1/namespaces/{namespace}/pods/{name}/status"));
        Assert.Equal(["get"], Methods(paths, "/api/v1/pods"));
        Assert.Equal(["get"], Methods(paths, "/api/v1/watch/namespaces/{namespace}/pods"));
        Assert.Equal(["get"], Methods(paths, "/api/v1/watch/namespaces/{namespace}/pods/{name}"));
        Assert.Equal(["delete", "get", "post"], Methods(paths, "/api/v1/nodes"));
        Assert.Equal(["get"], Methods(paths, "/api/v1/"));
        Assert.Equal("listCoreV1PodForAllNamespaces", paths.GetProperty("/api/v1/pods").GetProperty("get").GetProperty("operationId").GetString());
        Assert.Equal("deleteCoreV1CollectionNamespacedPod",
            paths.GetProperty("/api/v1/namespaces/{namespace}/pods").GetProperty("delete").GetProperty("operationId").GetString());

        var scale = V3("apis/apps/v1").GetProperty("paths").GetProperty("/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale");
        Assert.Equal("#/components/schemas/io.k8s.api.autoscaling.v1.Scale",
            scale.GetProperty("get").GetProperty("responses").GetProperty("200").GetProperty("content").GetProperty("application/json").GetProperty("schema").GetProperty("$ref").GetString());
    }

    [Fact]
    public void Documents_EveryReferenceResolves()
    {
        foreach (var path in Service.GroupVersionPaths)
        {
            var root = V3(path);
            AssertReferencesResolve(root, root.GetProperty("components").GetProperty("schemas"), "#/components/schemas/");
        }

        var v2 = JsonDocument.Parse(Service.GetV2().Content).RootElement;
        Assert.Equal("2.0", v2.GetProperty("swagger").GetString());
        AssertReferencesResolve(v2, v2.GetProperty("definitions"), "#/definitions/");
    }

    [Fact]
    public void GetV2_HasEveryKindAndInlineQueryParameters()
    {
        var v2 = JsonDocument.Parse(Service.GetV2().Content).RootElement;
        var definitions = v2.GetProperty("definitions");
        foreach (var name in new[] { "io.k8s.api.core.v1.Pod", "io.k8s.api.apps.v1.Deployment", "io.k8s.api.autoscaling.v2.HorizontalPodAutoscaler",
                     "io.k8s.api.autoscaling.v1.HorizontalPodAutoscaler", "io.k8s.api.core.v1.Event", "io.k8s.api.events.v1.Event" })
        {
            Assert.True(definitions.TryGetProperty(name, out var definition), name);
            Assert.True(definition.TryGetProperty("x-kubernetes-group-version-kind", out _), name);
        }

        var intOrString = definitions.GetProperty("io.k8s.apimachinery.pkg.util.intstr.IntOrString");
        Assert.Equal("string", intOrString.GetProperty("type").GetString());
        Assert.Equal("int-or-string", intOrString.GetProperty("format").GetString());

        var metadata = definitions.GetProperty("io.k8s.api.core.v1.Pod").GetProperty("properties").GetProperty("metadata");
        Assert.Equal("#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta", metadata.GetProperty("$ref").GetString());

        var post = v2.GetProperty("paths").GetProperty("/apis/apps/v1/namespaces/{namespace}/deployments").GetProperty("post");
        var parameters = post.GetProperty("parameters").EnumerateArray().ToList();
        Assert.Contains(parameters, p => p.GetProperty("name").GetString() == "body" && p.GetProperty("in").GetString() == "body");
        Assert.Contains(parameters, p => p.GetProperty("name").GetString() == "fieldValidation" && p.GetProperty("type").GetString() == "string");
        Assert.Equal("post", post.GetProperty("x-kubernetes-action").GetString());
        Assert.Equal("Deployment", post.GetProperty("x-kubernetes-group-version-kind").GetProperty("kind").GetString());
    }

    [Fact]
    public void GetV3Document_IsCachedAndHashStable()
    {
        var first = Service.GetV3Document("apis/apps/v1")!;

        Assert.Same(first, Service.GetV3Document("/apis/apps/v1/"));
        Assert.Equal(Service.GetV3Hash("apis/apps/v1"), first.Hash);
        Assert.Equal($"\"{first.Hash}\"", first.ETag);
        Assert.Null(Service.GetV3Document("apis/nope/v1"));
        Assert.Null(Service.GetV3Hash("apis/nope/v1"));

        // A second service over the same inputs publishes the same hashes (clients cache by them).
        var again = new OpenApiService(BuiltInResources.Resources, ModelDocumentation.Locate());
        Assert.Equal(Service.GetV3Index().Content.ToArray(), again.GetV3Index().Content.ToArray());
    }

    [Fact]
    public void GetV3Document_WithoutDescriptions_StillServesSchemas()
    {
        var bare = new OpenApiService(BuiltInResources.Resources, documentationPath: null);
        var schemas = JsonDocument.Parse(bare.GetV3Document("api/v1")!.Content).RootElement.GetProperty("components").GetProperty("schemas");

        Assert.False(schemas.GetProperty("io.k8s.api.core.v1.PodSpec").TryGetProperty("description", out _));
        Assert.NotEqual(Service.GetV3Hash("api/v1"), bare.GetV3Hash("api/v1"));
    }

    [Fact]
    public void DefinitionNames_FollowKubernetesPackages()
    {
        var names = new DefinitionNames(BuiltInResources.Resources, [typeof(V1Status), typeof(V1Scale)]);

        Assert.Equal("io.k8s.api.core.v1.PodSpec", names.Of(typeof(V1PodSpec)));
        Assert.Equal("io.k8s.api.core.v1.PodTemplateSpec", names.Of(typeof(V1PodTemplateSpec)));
        Assert.Equal("io.k8s.api.apps.v1.DeploymentStrategy", names.Of(typeof(V1DeploymentStrategy)));
        Assert.Equal("io.k8s.api.batch.v1.JobTemplateSpec", names.Of(typeof(V1JobTemplateSpec)));
        Assert.Equal("io.k8s.api.autoscaling.v2.MetricSpec", names.Of(typeof(V2MetricSpec)));
        Assert.Equal("io.k8s.api.rbac.v1.Subject", names.Of(typeof(Rbacv1Subject)));
        Assert.Equal("io.k8s.api.networking.v1.IngressRule", names.Of(typeof(V1IngressRule)));
        Assert.Equal("io.k8s.api.events.v1.Event", names.Of(typeof(Eventsv1Event)));
        Assert.Equal("io.k8s.api.core.v1.Event", names.Of(typeof(Corev1Event)));
        Assert.Equal("io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta", names.Of(typeof(V1ObjectMeta)));
        Assert.Equal("io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector", names.Of(typeof(V1LabelSelector)));
        Assert.Equal("io.k8s.apimachinery.pkg.apis.meta.v1.Condition", names.Of(typeof(V1Condition)));
        Assert.Equal("io.k8s.apimachinery.pkg.apis.meta.v1.Status", names.Of(typeof(V1Status)));
        Assert.Equal("io.k8s.api.autoscaling.v1.Scale", names.Of(typeof(V1Scale)));
        Assert.Equal("io.k8s.api.core.v1.TopologySelectorTerm", names.Of(typeof(V1TopologySelectorTerm)));

        var all = names.Types.Select(names.Of).ToList();
        Assert.Equal(all.Count, all.Distinct().Count());
        Assert.All(all, n => Assert.Matches(@"^io\.k8s\.(api\.[a-z]+\.v[0-9]+(?:alpha[0-9]+|beta[0-9]+)?|apimachinery\.pkg\.apis\.meta\.v1)\.[A-Z][A-Za-z0-9]+$", n));
    }

    private static string[] Methods(JsonElement paths, string path) =>
        paths.GetProperty(path).EnumerateObject().Select(p => p.Name).Where(n => n != "parameters").Order(StringComparer.Ordinal).ToArray();

    /// <summary>Follows $ref and single-element allOf the way kubectl explain does.</summary>
    private static JsonElement Resolve(JsonElement schemas, JsonElement schema)
    {
        while (true)
        {
            if (schema.TryGetProperty("$ref", out var reference))
            {
                schema = schemas.GetProperty(reference.GetString()!.Split('/')[^1]);
            }
            else if (schema.TryGetProperty("allOf", out var allOf) && allOf.GetArrayLength() == 1)
            {
                schema = allOf[0];
            }
            else
            {
                return schema;
            }
        }
    }

    private static void AssertReferencesResolve(JsonElement node, JsonElement definitions, string prefix)
    {
        switch (node.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in node.EnumerateObject())
                {
                    if (property.Name == "$ref")
                    {
                        var target = property.Value.GetString()!;
                        Assert.StartsWith(prefix, target);
                        Assert.True(definitions.TryGetProperty(target[prefix.Length..], out _), target);
                    }
                    else
                    {
                        AssertReferencesResolve(property.Value, definitions, prefix);
                    }
                }

                break;
            case JsonValueKind.Array:
                foreach (var item in node.EnumerateArray())
                {
                    AssertReferencesResolve(item, definitions, prefix);
                }

                break;
        }
    }
}
