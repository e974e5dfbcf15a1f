using k8s.Models;
using Skiff.ApiServer.Registry.AdmissionRegistration.WebhookConfigurations;

namespace Skiff.ApiServer.Tests.Registry.AdmissionRegistration;

public sealed class WebhookConfigurationStrategyTests
{
    private static V1ValidatingWebhook Hook(Action<V1ValidatingWebhook>? change = null)
    {
        var w = new V1ValidatingWebhook
        {
            Name = "deny.example.com",
            SideEffects = "None",
            AdmissionReviewVersions = ["v1"],
            ClientConfig = new Admissionregistrationv1WebhookClientConfig { Url = "https://127.0.0.1:8443/validate" },
            Rules = [new V1RuleWithOperations { Operations = ["CREATE"], ApiGroups = [""], ApiVersions = ["v1"], Resources = ["configmaps"] }],
        };
        change?.Invoke(w);
        return w;
    }

    private static List<string> Errors(params V1ValidatingWebhook[] hooks)
    {
        var strategy = Strategies.For<ValidatingWebhookConfigurationStrategy, V1ValidatingWebhookConfiguration>();
        var errors = Strategies.Create(strategy, new V1ValidatingWebhookConfiguration { Metadata = new V1ObjectMeta { Name = "c" }, Webhooks = hooks.ToList() });
        return errors.Select(e => e.ToString()).ToList();
    }

    [Fact]
    public void Default_SetsKubernetesV1Defaults()
    {
        var strategy = Strategies.For<MutatingWebhookConfigurationStrategy, V1MutatingWebhookConfiguration>();
        var w = new V1MutatingWebhook
        {
            Name = "a.b.c", SideEffects = "None", AdmissionReviewVersions = ["v1"],
            ClientConfig = new Admissionregistrationv1WebhookClientConfig { Service = new Admissionregistrationv1ServiceReference { Name = "s", NamespaceProperty = "n" } },
            Rules = [new V1RuleWithOperations { Operations = ["*"], ApiGroups = ["*"], ApiVersions = ["*"], Resources = ["*"] }],
        };
        Assert.Empty(Strategies.Create(strategy, new V1MutatingWebhookConfiguration { Metadata = new V1ObjectMeta { Name = "m" }, Webhooks = [w] }));

        Assert.Equal("Fail", w.FailurePolicy);
        Assert.Equal("Equivalent", w.MatchPolicy);
        Assert.Equal(10, w.TimeoutSeconds);
        Assert.Equal("Never", w.ReinvocationPolicy);
        Assert.Equal("*", w.Rules[0].Scope);
        Assert.NotNull(w.NamespaceSelector);
        Assert.NotNull(w.ObjectSelector);
        Assert.Equal(443, w.ClientConfig.Service.Port);
    }

    [Fact]
    public void Validate_GoodWebhook_HasNoErrors() => Assert.Empty(Errors(Hook()));

    [Fact]
    public void Validate_Names_MustBeThreeSegmentsAndUnique()
    {
        Assert.Contains(Errors(Hook(w => w.Name = "deny")), e => e.Contains("webhooks[0].name") && e.Contains("at least three segments"));
        Assert.Contains(Errors(Hook(), Hook()), e => e.Contains("webhooks[1].name: Duplicate value"));
    }

    [Fact]
    public void Validate_SideEffectsAndReviewVersions()
    {
        Assert.Contains(Errors(Hook(w => w.SideEffects = null)), e => e.StartsWith("webhooks[0].sideEffects: Required value"));
        Assert.Contains(Errors(Hook(w => w.SideEffects = "Some")), e => e.StartsWith("webhooks[0].sideEffects: Unsupported value: \"Some\""));
        Assert.Contains(Errors(Hook(w => w.AdmissionReviewVersions = null)), e => e.StartsWith("webhooks[0].admissionReviewVersions: Required value"));
        Assert.Contains(Errors(Hook(w => w.AdmissionReviewVersions = ["v2"])), e => e.Contains("must include at least one of v1, v1beta1"));
    }

    [Fact]
    public void Validate_ClientConfig()
    {
        Assert.Contains(Errors(Hook(w => w.ClientConfig = new Admissionregistrationv1WebhookClientConfig())), e => e.Contains("exactly one of url or service is required"));
        Assert.Contains(Errors(Hook(w => w.ClientConfig.Url = "http://x.example.com/")), e => e.Contains("'https' is the only allowed URL scheme"));
        Assert.Contains(Errors(Hook(w => w.ClientConfig.Url = "https://x.example.com/?a=b")), e => e.Contains("query parameters are not permitted"));
        Assert.Contains(Errors(Hook(w => w.ClientConfig = new Admissionregistrationv1WebhookClientConfig
        {
            Service = new Admissionregistrationv1ServiceReference { Name = "s", NamespaceProperty = "n", Path = "validate", Port = 70000 },
        })), e => e.Contains("service.path") && e.Contains("must start with a '/'"));
    }

    [Fact]
    public void Validate_RulesPoliciesAndTimeout()
    {
        Assert.Contains(Errors(Hook(w => w.Rules[0].Operations = ["PATCH"])), e => e.StartsWith("webhooks[0].rules[0].operations[0]: Unsupported value: \"PATCH\""));
        Assert.Contains(Errors(Hook(w => w.Rules[0].Operations = ["*", "CREATE"])), e => e.Contains("if '*' is present"));
        Assert.Contains(Errors(Hook(w => w.Rules[0].Resources = [])), e => e.StartsWith("webhooks[0].rules[0].resources: Required value"));
        Assert.Contains(Errors(Hook(w => w.Rules[0].Scope = "Everywhere")), e => e.StartsWith("webhooks[0].rules[0].scope: Unsupported value"));
        Assert.Contains(Errors(Hook(w => w.FailurePolicy = "Maybe")), e => e.StartsWith("webhooks[0].failurePolicy: Unsupported value"));
        Assert.Contains(Errors(Hook(w => w.TimeoutSeconds = 31)), e => e.Contains("between 1 and 30 seconds"));
        Assert.Contains(Errors(Hook(w => w.MatchConditions = [new V1MatchCondition { Name = "x", Expression = "true" }])), e => e.Contains("matchConditions"));
    }
}
