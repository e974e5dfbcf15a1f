using System.Runtime.CompilerServices;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using Skiff.Api.Protobuf;

namespace Skiff.Api.Tests.Protobuf;

/// <summary>
/// Request bodies captured from the real kubectl v1.33.1 (`kubectl create ... --dry-run=server`, `kubectl
/// create token`, `kubectl drain --disable-eviction`, each against a throwaway listener), transcoded and compared with (1) a golden JSON file and (2) kubectl's own JSON
/// rendering of the same object (`--dry-run=client -o json`), which is Go's encoding/json output.
/// Set SKIFF_UPDATE_GOLDEN=1 to rewrite the golden files.
/// </summary>
public sealed class KubectlGoldenTests
{
    public static TheoryData<string> Cases =>
    [
        "create-configmap",
        "create-secret-generic",
        "create-deployment",
        "create-deployment-zero-replicas",
        "create-service-clusterip",
        "create-job",
        "create-cronjob",
        "create-namespace",
        "create-quota",
        "create-token",
        "drain-delete-options", // kubectl drain --disable-eviction: a typed Delete's DeleteOptions body
    ];

    // The KubernetesClient models' own converters (quantities, IntOrString, base64 bytes, times).
    private static readonly JsonSerializerOptions ModelOptions = CreateModelOptions();

    public static string TestData(string name, [CallerFilePath] string here = "") =>
        Path.Combine(Path.GetDirectoryName(here)!, "testdata", name);

    [Theory]
    [MemberData(nameof(Cases))]
    public void ToJson_KubectlBody_MatchesGolden(string name)
    {
        var json = Normalize(ProtobufTranscoder.ToJson(File.ReadAllBytes(TestData(name + ".pb"))));
        var goldenPath = TestData(name + ".json");
        if (Environment.GetEnvironmentVariable("SKIFF_UPDATE_GOLDEN") == "1")
        {
            File.WriteAllText(goldenPath, json + "\n");
        }

        Assert.Equal(Normalize(File.ReadAllBytes(goldenPath)), json);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void ToJson_KubectlBody_EqualsKubectlsOwnJson(string name)
    {
        var kubectlPath = TestData(name + ".kubectl.json");
        if (!File.Exists(kubectlPath))
        {
            return; // create token and drain have no client-side dry run to render the object
        }

        var actual = JsonNode.Parse(ProtobufTranscoder.ToJson(File.ReadAllBytes(TestData(name + ".pb"))));
        var expected = JsonNode.Parse(File.ReadAllBytes(kubectlPath));

        // Go writes a zero creationTimestamp as null; the transcoder leaves it out.
        DropNullTimestamps(expected);
        Assert.True(JsonNode.DeepEquals(expected, actual), $"kubectl: {expected?.ToJsonString()}\n  ours: {actual?.ToJsonString()}");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void ToJson_KubectlBody_RoundTripsThroughTheModels(string name)
    {
        // Every property the transcoder writes must be one the KubernetesClient models know (the server
        // deserializes into them), so a model round trip must give the same JSON back.
        var json = ProtobufTranscoder.ToJson(File.ReadAllBytes(TestData(name + ".pb")));
        var kind = JsonNode.Parse(json)!["kind"]!.GetValue<string>();
        var type = kind switch
        {
            "ConfigMap" => typeof(V1ConfigMap),
            "Secret" => typeof(V1Secret),
            "Deployment" => typeof(V1Deployment),
            "Service" => typeof(V1Service),
            "Job" => typeof(V1Job),
            "CronJob" => typeof(V1CronJob),
            "Namespace" => typeof(V1Namespace),
            "ResourceQuota" => typeof(V1ResourceQuota),
            "TokenRequest" => typeof(Authenticationv1TokenRequest),
            "DeleteOptions" => typeof(V1DeleteOptions),
            _ => throw new InvalidOperationException(kind),
        };

        var model = JsonSerializer.Deserialize(json, type, ModelOptions);
        var roundTripped = JsonNode.Parse(JsonSerializer.Serialize(model, type, ModelOptions));

        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(json), roundTripped), $"ours: {Normalize(json)}\n  models: {roundTripped}");
    }

    private static void DropNullTimestamps(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject o:
                if (o.TryGetPropertyValue("creationTimestamp", out var ts) && ts is null)
                {
                    o.Remove("creationTimestamp");
                }

                foreach (var (_, child) in o)
                {
                    DropNullTimestamps(child);
                }

                break;
            case JsonArray a:
                foreach (var child in a)
                {
                    DropNullTimestamps(child);
                }

                break;
        }
    }

    private static JsonSerializerOptions CreateModelOptions()
    {
        JsonSerializerOptions? options = null;
        KubernetesJson.AddJsonOptions(o => options = new JsonSerializerOptions(o));
        return options!;
    }

    private static string Normalize(byte[] json) =>
        JsonNode.Parse(json)!.ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
}
