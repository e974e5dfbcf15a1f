using System.Text.Json.Nodes;
using Skiff.ApiServer.Tests.Admission.Webhooks;
using Skiff.E2E.Support;

namespace Skiff.E2E;

/// <summary>
/// Admission webhooks served by this test process (HTTPS on 127.0.0.1, its CA in caBundle) against a real
/// <c>skiff server</c>, driven with real kubectl: a validating webhook rejects an object with its message, a mutating
/// webhook adds a label, warnings reach kubectl, and with the webhook down failurePolicy Fail refuses while Ignore admits.
/// </summary>
public sealed class AdmissionWebhookTests : IClassFixture<ServerFixture>
{
    private readonly ServerFixture _fixture;

    public AdmissionWebhookTests(ServerFixture fixture) => _fixture = fixture;

    private static Task<JsonObject> Handle(string path, JsonNode review)
    {
        var request = review["request"]!;
        var data = request["object"]?["data"] as JsonObject;
        return Task.FromResult(path switch
        {
            "/validate" when data?.ContainsKey("forbidden") == true =>
                TestWebhook.Answer(review, false, "the key forbidden is not allowed here"),
            "/validate" => TestWebhook.Answer(review, true, warnings: "checked by validate.skiff.test"),
            "/mutate" => TestWebhook.Answer(review, true, patch: request["object"]!["metadata"]!["labels"] is null
                ? """[{"op":"add","path":"/metadata/labels","value":{"webhook-mutated":"yes"}}]"""
                : """[{"op":"add","path":"/metadata/labels/webhook-mutated","value":"yes"}]"""),
            _ => TestWebhook.Answer(review, true),
        });
    }

    private static string Configuration(string kind, string name, string hookName, string url, byte[] caBundle, string ns, string failurePolicy = "Fail") => $"""
        apiVersion: admissionregistration.k8s.io/v1
        kind: {kind}
        metadata:
          name: {name}
        webhooks:
        - name: {hookName}
          clientConfig:
            url: {url}
            caBundle: {Convert.ToBase64String(caBundle)}
          rules:
          - operations: ["CREATE", "UPDATE"]
            apiGroups: [""]
            apiVersions: ["v1"]
            resources: ["configmaps"]
          namespaceSelector:
            matchLabels:
              kubernetes.io/metadata.name: {ns}
          failurePolicy: {failurePolicy}
          sideEffects: None
          admissionReviewVersions: ["v1"]
          timeoutSeconds: 5
        """;

    [Theory]
    [InlineData("1.33")]
    [InlineData("1.29")]
    public async Task ValidatingWebhook_RejectsWithItsMessage_MutatingWebhook_AddsALabel(string version)
    {
        var kubectl = _fixture.Kubectl(version);
        var ns = "webhooks-" + version.Replace(".", "");
        await kubectl.OkAsync("create", "namespace", ns);
        await using var hook = await TestWebhook.StartAsync(Handle);
        await kubectl.OkWithInputAsync(Configuration("ValidatingWebhookConfiguration", "validate-" + ns, "validate.skiff.test", hook.Url("/validate"), hook.CaBundle, ns), "apply", "-f", "-");
        await kubectl.OkWithInputAsync(Configuration("MutatingWebhookConfiguration", "mutate-" + ns, "mutate.skiff.test", hook.Url("/mutate"), hook.CaBundle, ns), "apply", "-f", "-");

        var list = await kubectl.OkAsync("get", "validatingwebhookconfigurations", "validate-" + ns);
        Assert.Matches(@"NAME\s+WEBHOOKS\s+AGE", list);
        Assert.Matches($@"validate-{ns}\s+1\s+", list);

        var denied = await kubectl.RunAsync("create", "configmap", "bad", "-n", ns, "--from-literal=forbidden=1");
        Assert.NotEqual(0, denied.ExitCode);
        Assert.Contains("admission webhook \"validate.skiff.test\" denied the request: the key forbidden is not allowed here", denied.Stderr);
        Assert.NotEqual(0, (await kubectl.RunAsync("get", "configmap", "bad", "-n", ns)).ExitCode);

        var created = await kubectl.RunAsync("create", "configmap", "good", "-n", ns, "--from-literal=k=v");
        Assert.True(created.ExitCode == 0, created.Stderr);
        Assert.Contains("Warning: checked by validate.skiff.test", created.Stderr);
        Assert.Equal("yes", await kubectl.OkAsync("get", "configmap", "good", "-n", ns, "-o", "jsonpath={.metadata.labels.webhook-mutated}"));

        // Outside the selected namespace neither webhook is called.
        await kubectl.OkAsync("create", "configmap", "elsewhere-" + ns, "-n", "default", "--from-literal=forbidden=1");
        Assert.Equal("", await kubectl.OkAsync("get", "configmap", "elsewhere-" + ns, "-n", "default", "-o", "jsonpath={.metadata.labels}"));

        await kubectl.OkAsync("delete", "validatingwebhookconfiguration", "validate-" + ns);
        await kubectl.OkAsync("delete", "mutatingwebhookconfiguration", "mutate-" + ns);
    }

    [Fact]
    public async Task WebhookDown_FailPolicyRefuses_IgnorePolicyAdmits()
    {
        var kubectl = _fixture.Kubectl();
        const string ns = "webhooks-down";
        await kubectl.OkAsync("create", "namespace", ns);
        byte[] ca;
        string url;
        await using (var hook = await TestWebhook.StartAsync(Handle))
        {
            (ca, url) = (hook.CaBundle, hook.Url("/validate"));
        }

        await kubectl.OkWithInputAsync(Configuration("ValidatingWebhookConfiguration", "down", "down.skiff.test", url, ca, ns), "apply", "-f", "-");
        await kubectl.OkAsync("get", "validatingwebhookconfiguration", "down");
        var refused = await kubectl.RunAsync("create", "configmap", "refused", "-n", ns, "--from-literal=k=v");
        Assert.NotEqual(0, refused.ExitCode);
        Assert.Contains("Internal error occurred: failed calling webhook \"down.skiff.test\": failed to call webhook: Post \"" + url, refused.Stderr);

        await kubectl.OkWithInputAsync(Configuration("ValidatingWebhookConfiguration", "down", "down.skiff.test", url, ca, ns, "Ignore"), "apply", "-f", "-");
        Assert.Equal("Ignore", await kubectl.OkAsync("get", "validatingwebhookconfiguration", "down", "-o", "jsonpath={.webhooks[0].failurePolicy}"));
        var admitted = await kubectl.RunAsync("create", "configmap", "admitted", "-n", ns, "--from-literal=k=v");
        Assert.True(admitted.ExitCode == 0, admitted.Stderr);
        await kubectl.OkAsync("delete", "validatingwebhookconfiguration", "down");
    }
}
