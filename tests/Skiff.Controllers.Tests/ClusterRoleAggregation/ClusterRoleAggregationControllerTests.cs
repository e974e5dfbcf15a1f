using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Skiff.Client.Tests.Fakes;
using Skiff.Controllers.ClusterRoleAggregation;

namespace Skiff.Controllers.Tests.ClusterRoleAggregation;

public sealed class ClusterRoleAggregationControllerTests
{
    private const string ToView = "rbac.authorization.k8s.io/aggregate-to-view";
    private readonly FakeInformer<V1ClusterRole> _roles = new();
    private readonly FakeResourceClient<V1ClusterRole> _client = new(ClusterRoleAggregationController.ClusterRoles);
    private readonly ClusterRoleAggregationController _controller;

    public ClusterRoleAggregationControllerTests() =>
        _controller = new ClusterRoleAggregationController(_roles, _client, new FakeTimeProvider(), NullLogger.Instance);

    private static V1ClusterRole Role(string name, Dictionary<string, string>? labels, params V1PolicyRule[] rules) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, Labels = labels },
        Rules = rules,
    };

    private static V1PolicyRule Rule(string resource, params string[] verbs) => new() { ApiGroups = ["example.com"], Resources = [resource], Verbs = verbs };

    private V1ClusterRole Aggregated(string name, string label)
    {
        var role = _client.Seed(Role(name, null));
        role.AggregationRule = new V1AggregationRule { ClusterRoleSelectors = [new V1LabelSelector { MatchLabels = new Dictionary<string, string> { [label] = "true" } }] };
        _roles.Add(role);
        return role;
    }

    [Fact]
    public async Task Sync_RulesAreTheUnionOfMatchingRoles_EachOnce_InNameOrder()
    {
        Aggregated("view", ToView);
        _roles.Add(Role("b-crd", new() { [ToView] = "true" }, Rule("widgets", "get"), Rule("gadgets", "list")));
        _roles.Add(Role("a-crd", new() { [ToView] = "true" }, Rule("gadgets", "list")));
        _roles.Add(Role("unrelated", new() { ["other"] = "true" }, Rule("secrets", "get")));

        await _controller.SyncAsync("view", CancellationToken.None);
        var view = Assert.Single(_client.Objects);
        Assert.Equal(["gadgets", "widgets"], view.Rules.Select(r => r.Resources[0]));

        // An unchanged input writes nothing.
        _roles.Add(view);
        _client.Calls.Clear();
        await _controller.SyncAsync("view", CancellationToken.None);
        Assert.Empty(_client.Calls);
    }

    [Fact]
    public async Task Sync_RoleGoneOrChanged_RulesFollow()
    {
        Aggregated("view", ToView);
        var crd = Role("crd", new() { [ToView] = "true" }, Rule("widgets", "get"));
        _roles.Add(crd);
        await _controller.SyncAsync("view", CancellationToken.None);
        _roles.Add(_client.Objects.Single());
        Assert.Single(_client.Objects.Single().Rules);

        _roles.Delete(crd);
        Assert.True(_controller.Queue.Length > 0);
        await _controller.SyncAsync("view", CancellationToken.None);
        Assert.Empty(_client.Objects.Single().Rules);
    }

    [Fact]
    public async Task Sync_RoleWithoutAggregationRule_IsLeftAlone()
    {
        _roles.Add(_client.Seed(Role("plain", null, Rule("widgets", "get"))));
        _roles.Add(Role("crd", new() { [ToView] = "true" }, Rule("gadgets", "get")));
        _client.Calls.Clear();
        await _controller.SyncAsync("plain", CancellationToken.None);
        Assert.Empty(_client.Calls);
    }

    [Fact]
    public void Aggregate_NeverIncludesItself()
    {
        var self = Role("self", new() { [ToView] = "true" }, Rule("widgets", "get"));
        var rules = ClusterRoleAggregationController.Aggregate("self", [new V1LabelSelector { MatchLabels = new Dictionary<string, string> { [ToView] = "true" } }], [self]);
        Assert.Empty(rules);
    }
}
