using System.Net;
using System.Text.Json.Nodes;
using Skiff.ApiServer.Tests.Support;

namespace Skiff.ApiServer.Tests.Authorization;

/// <summary>The Node authorizer's graph: a node reads only the secrets, configmaps and claims its own pods use.</summary>
public sealed class NodeAuthorizerTests
{
    [Fact]
    public async Task Node_GetsOnlyObjectsItsPodsUse_OneAtATime()
    {
        await using var server = await TestServer.StartAsync();
        using var n1 = server.CreateClient(server.Certificates.Client("system:node:n1", "system:nodes"));
        foreach (var name in new[] { "used", "env-used", "unused", "other-node" })
        {
            Assert.Equal(HttpStatusCode.Created, (await server.Client.PostAsync("/api/v1/namespaces/default/secrets", TestServer.Json("{\"metadata\":{\"name\":\"" + name + "\"}}"))).StatusCode);
        }

        Assert.Equal(HttpStatusCode.Created, (await server.Client.PostAsync("/api/v1/namespaces/default/configmaps", TestServer.Json("""{"metadata":{"name":"cm"}}"""))).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await server.Client.PostAsync("/api/v1/namespaces/default/pods", TestServer.Json("""
            {"metadata":{"name":"mine"},"spec":{"nodeName":"n1","volumes":[{"name":"s","secret":{"secretName":"used"}},{"name":"c","projected":{"sources":[{"configMap":{"name":"cm"}}]}}],
             "containers":[{"name":"c","image":"i","env":[{"name":"X","valueFrom":{"secretKeyRef":{"name":"env-used","key":"k"}}}]}]}}
            """))).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await server.Client.PostAsync("/api/v1/namespaces/default/pods", TestServer.Json("""
            {"metadata":{"name":"theirs"},"spec":{"nodeName":"n2","volumes":[{"name":"s","secret":{"secretName":"other-node"}}],"containers":[{"name":"c","image":"i"}]}}
            """))).StatusCode);

        Assert.Equal(HttpStatusCode.OK, (await n1.GetAsync("/api/v1/namespaces/default/secrets/used")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await n1.GetAsync("/api/v1/namespaces/default/secrets/env-used")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await n1.GetAsync("/api/v1/namespaces/default/configmaps/cm")).StatusCode);
        await AssertForbidden(await n1.GetAsync("/api/v1/namespaces/default/secrets/unused"),
            "secrets \"unused\" is forbidden: User \"system:node:n1\" cannot get resource \"secrets\" in API group \"\" in the namespace \"default\": no relationship found between node 'n1' and this object");
        await AssertForbidden(await n1.GetAsync("/api/v1/namespaces/default/secrets/other-node"),
            "secrets \"other-node\" is forbidden: User \"system:node:n1\" cannot get resource \"secrets\" in API group \"\" in the namespace \"default\": no relationship found between node 'n1' and this object");
        await AssertForbidden(await n1.GetAsync("/api/v1/namespaces/default/secrets"),
            "secrets is forbidden: User \"system:node:n1\" cannot list resource \"secrets\" in API group \"\" in the namespace \"default\": can only get individual resources of this type");

        // Pods and nodes stay readable, as the system:node rules say.
        Assert.Equal(HttpStatusCode.OK, (await n1.GetAsync("/api/v1/pods")).StatusCode);
    }

    private static async Task AssertForbidden(HttpResponseMessage response, string message)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Forbidden, body);
        Assert.Equal(message, (string?)JsonNode.Parse(body)!["message"]);
    }
}
