using k8s.Models;
using Skiff.Api.Validation;
using Skiff.ApiServer.Registry.Shared;

namespace Skiff.ApiServer.Tests.Registry.Shared;

public class LabelSelectorsTests
{
    private static readonly V1LabelSelector Mixed = new()
    {
        MatchLabels = new Dictionary<string, string> { ["tier"] = "web" },
        MatchExpressions =
        [
            new V1LabelSelectorRequirement { Key = "env", OperatorProperty = "In", Values = ["prod", "dev"] },
            new V1LabelSelectorRequirement { Key = "canary", OperatorProperty = "DoesNotExist" },
        ],
    };

    [Fact]
    public void Format_Mixed_SortedByKey() => Assert.Equal("!canary,env in (dev,prod),tier=web", LabelSelectors.Format(Mixed));

    [Fact]
    public void Format_Empty_None() => Assert.Equal("<none>", LabelSelectors.Format(new V1LabelSelector()));

    [Fact]
    public void Matches_Mixed_EvaluatesAllRequirements()
    {
        Assert.True(LabelSelectors.Matches(Mixed, new Dictionary<string, string> { ["tier"] = "web", ["env"] = "dev" }));
        Assert.False(LabelSelectors.Matches(Mixed, new Dictionary<string, string> { ["tier"] = "web", ["env"] = "qa" }));
        Assert.False(LabelSelectors.Matches(Mixed, new Dictionary<string, string> { ["tier"] = "web", ["env"] = "dev", ["canary"] = "1" }));
        Assert.False(LabelSelectors.Matches(null, new Dictionary<string, string>()));
        Assert.True(LabelSelectors.Matches(new V1LabelSelector(), null));
    }

    [Fact]
    public void Validate_InWithoutValues_Required()
    {
        var errors = new FieldErrors();
        LabelSelectors.Validate(new V1LabelSelector { MatchExpressions = [new V1LabelSelectorRequirement { Key = "a", OperatorProperty = "In" }] }, "spec.selector", errors);
        Assert.Equal("spec.selector.matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'", Assert.Single(errors).ToString());
    }

    [Fact]
    public void GoValue_Selector_MatchesGoPrinting() =>
        Assert.Equal(
            "v1.LabelSelector{MatchLabels:map[string]string{\"app\":\"web\"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}",
            GoValue.Selector(new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = "web" } }).ToString());

    [Fact]
    public void Validate_BadLabelAndValue_MatchLabelsFirstAndValueIndexed()
    {
        var errors = new FieldErrors();
        LabelSelectors.Validate(
            new V1LabelSelector
            {
                MatchLabels = new Dictionary<string, string> { ["app"] = "bad value" },
                MatchExpressions = [new V1LabelSelectorRequirement { Key = "tier", OperatorProperty = "In", Values = ["web", "bad value"] }],
            },
            "spec.selector",
            errors);
        Assert.Equal(["spec.selector.matchLabels", "spec.selector.matchExpressions[0].values[1]"], errors.Select(e => e.Field));
    }

    [Fact]
    public void MatchesMap_EveryPairPresent()
    {
        var selector = new Dictionary<string, string> { ["app"] = "web" };
        Assert.True(LabelSelectors.MatchesMap(selector, new Dictionary<string, string> { ["app"] = "web", ["tier"] = "x" }));
        Assert.False(LabelSelectors.MatchesMap(selector, null));
    }
}
