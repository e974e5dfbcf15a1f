using System.Net;
using System.Text.Json.Nodes;
using Skiff.ApiServer.Admission;
using Skiff.ApiServer.Tests.Support;

namespace Skiff.ApiServer.Tests.Admission;

/// <summary>NodeRestriction through the HTTP pipeline, for a node agent's client certificate (system:node:n1 in system:nodes).</summary>
public sealed class NodeRestrictionTests
{
    [Fact]
    public void ForbiddenLabels_KubernetesNamespacesExceptTheKubelets()
    {
        Assert.Equal(["node-restriction.kubernetes.io/x", "node-role.kubernetes.io/master", "team.k8s.io/a"],
            NodeRestriction.ForbiddenLabels(["kubernetes.io/hostname", "node-role.kubernetes.io/master", "team.k8s.io/a", "example.com/free", "node.kubernetes.io/instance-type",
                "kubelet.kubernetes.io/anything", "sub.node.kubernetes.io/x", "node-restriction.kubernetes.io/x", "topology.kubernetes.io/zone"]));
    }

    [Fact]
    public async Task Node_MayTouchOnlyItselfAndItsPods()
    {
        await using var server = await TestServer.StartAsync();
        using var n1 = server.CreateClient(server.Certificates.Client("system:node:n1", "system:nodes"));

        // Its own Node, with kubelet labels; not another node, not a role label, not its taints.
        Assert.Equal(HttpStatusCode.Created, (await n1.PostAsync("/api/v1/nodes", TestServer.Json("""{"metadata":{"name":"n1","labels":{"kubernetes.io/hostname":"n1"}}}"""))).StatusCode);
        await AssertForbidden(await n1.PostAsync("/api/v1/nodes", TestServer.Json("""{"metadata":{"name":"n2"}}""")), "nodes \"n2\" is forbidden: node \"n1\" is not allowed to modify node \"n2\"");
        await AssertForbidden(await n1.PatchAsync("/api/v1/nodes/n1", Merge("""{"metadata":{"labels":{"node-role.kubernetes.io/control-plane":"true"}}}""")),
            "nodes \"n1\" is forbidden: node \"n1\" is not allowed to modify labels: node-role.kubernetes.io/control-plane");
        await AssertForbidden(await n1.PatchAsync("/api/v1/nodes/n1", Merge("""{"spec":{"taints":[{"key":"k","effect":"NoSchedule"}]}}""")),
            "nodes \"n1\" is forbidden: node \"n1\" is not allowed to modify taints");
        Assert.Equal(HttpStatusCode.OK, (await n1.PatchAsync("/api/v1/nodes/n1", Merge("""{"metadata":{"labels":{"example.com/rack":"r1"}}}"""))).StatusCode);

        // Pods: no regular pods; status only for its own pods; delete only its own.
        await AssertForbidden(await n1.PostAsync("/api/v1/namespaces/default/pods", TestServer.Json("""{"metadata":{"name":"p"},"spec":{"nodeName":"n1","containers":[{"name":"c","image":"i"}]}}""")),
            "pods \"p\" is forbidden: pod does not have \"kubernetes.io/config.mirror\" annotation, node \"n1\" can only create mirror pods");
        Assert.Equal(HttpStatusCode.Created, (await server.Client.PostAsync("/api/v1/namespaces/default/pods", TestServer.Json("""{"metadata":{"name":"mine"},"spec":{"nodeName":"n1","containers":[{"name":"c","image":"i"}]}}"""))).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await server.Client.PostAsync("/api/v1/namespaces/default/pods", TestServer.Json("""{"metadata":{"name":"theirs"},"spec":{"nodeName":"n2","containers":[{"name":"c","image":"i"}]}}"""))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await n1.PatchAsync("/api/v1/namespaces/default/pods/mine/status", Merge("""{"status":{"phase":"Running"}}"""))).StatusCode);
        await AssertForbidden(await n1.PatchAsync("/api/v1/namespaces/default/pods/theirs/status", Merge("""{"status":{"phase":"Running"}}""")),
            "pods \"theirs\" is forbidden: node \"n1\" can only update pod status for pods with spec.nodeName set to itself");
        await AssertForbidden(await n1.PatchAsync("/api/v1/namespaces/default/pods/mine", Merge("""{"metadata":{"labels":{"a":"b"}}}""")),
            "pods \"mine\" is forbidden: User \"system:node:n1\" cannot patch resource \"pods\" in API group \"\" in the namespace \"default\"");
        await AssertForbidden(await n1.DeleteAsync("/api/v1/namespaces/default/pods/theirs"), "pods \"theirs\" is forbidden: node \"n1\" can only delete pods with spec.nodeName set to itself");
        Assert.Equal(HttpStatusCode.OK, (await n1.DeleteAsync("/api/v1/namespaces/default/pods/mine")).StatusCode);

        // A mirror pod bound to itself is fine; leases only its own in kube-node-lease.
        Assert.Equal(HttpStatusCode.Created, (await n1.PostAsync("/api/v1/namespaces/default/pods", TestServer.Json(
            """{"metadata":{"name":"static-n1","annotations":{"kubernetes.io/config.mirror":"x"}},"spec":{"nodeName":"n1","containers":[{"name":"c","image":"i"}]}}"""))).StatusCode);
        await AssertForbidden(await n1.PostAsync("/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases", TestServer.Json("""{"metadata":{"name":"n2"},"spec":{}}""")),
            "leases.coordination.k8s.io \"n2\" is forbidden: can only access node lease with the same name as the requesting node");
        Assert.Equal(HttpStatusCode.Created, (await n1.PostAsync("/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases", TestServer.Json("""{"metadata":{"name":"n1"},"spec":{}}"""))).StatusCode);
    }

    private static StringContent Merge(string json) => new(json, System.Text.Encoding.UTF8, "application/merge-patch+json");

    private static async Task AssertForbidden(HttpResponseMessage response, string message)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Forbidden, body);
        Assert.Equal(message, (string?)JsonNode.Parse(body)!["message"]);
    }
}
