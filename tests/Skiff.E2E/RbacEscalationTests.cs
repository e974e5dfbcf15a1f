using Skiff.E2E.Support;

namespace Skiff.E2E;

/// <summary>RBAC's escalation and bind checks as kubectl users meet them, and ClusterRole aggregation of the default roles.</summary>
public sealed class RbacEscalationTests
{
    [Fact]
    public async Task RoleManager_CanGrantOnlyWhatSheHolds_UnlessAllowedToEscalateOrBind()
    {
        await using var server = await SkiffServer.StartAsync();
        var admin = new Kubectl(server.Kubeconfig);
        await server.StopAsync();
        File.AppendAllText(Path.Combine(server.DataDir, "server", "tokens.csv"), "alice-secret-token,alice,alice-uid,\"dev\"\n");
        await server.RestartAsync();
        var alice = await UserAsync(server, "alice", "alice-secret-token");

        await admin.OkAsync("create", "role", "manager", "--verb=create,get,list,update", "--resource=roles,rolebindings", "--verb=get,list");
        await admin.OkAsync("create", "role", "pod-reader", "--verb=get,list", "--resource=pods");
        await admin.OkAsync("create", "rolebinding", "alice-manager", "--role=manager", "--user=alice");
        await admin.OkAsync("create", "rolebinding", "alice-reader", "--role=pod-reader", "--user=alice");
        await EventuallyAsync(async () => (await alice.RunAsync("auth", "can-i", "create", "roles")).Stdout.Trim() == "yes");

        // A role with what she holds is fine; one that adds delete is refused with Kubernetes' text.
        await alice.OkAsync("create", "role", "my-reader", "--verb=get", "--resource=pods");
        var denied = await alice.RunAsync("create", "role", "deleter", "--verb=get,delete", "--resource=pods");
        Assert.NotEqual(0, denied.ExitCode);
        Assert.Contains("roles.rbac.authorization.k8s.io \"deleter\" is forbidden: user \"alice\" (groups=[\"dev\" \"system:authenticated\"]) is attempting to grant RBAC permissions not currently held:", denied.Stderr);
        Assert.Contains("{APIGroups:[\"\"], Resources:[\"pods\"], Verbs:[\"delete\"]}", denied.Stderr);

        // Binding a role she holds is fine; binding edit is not, until she may "bind" it.
        await alice.OkAsync("create", "rolebinding", "bob-reads", "--role=pod-reader", "--user=bob");
        var bindEdit = await alice.RunAsync("create", "rolebinding", "bob-edits", "--clusterrole=edit", "--user=bob");
        Assert.Contains("rolebindings.rbac.authorization.k8s.io \"bob-edits\" is forbidden: user \"alice\"", bindEdit.Stderr);
        Assert.Equal("no", (await alice.RunAsync("auth", "can-i", "bind", "clusterroles/edit")).Stdout.Trim());

        await admin.OkAsync("create", "role", "edit-binder", "--verb=bind", "--resource=clusterroles", "--resource-name=edit");
        await admin.OkAsync("create", "rolebinding", "alice-edit-binder", "--role=edit-binder", "--user=alice");
        await EventuallyAsync(async () => (await alice.RunAsync("create", "rolebinding", "bob-edits", "--clusterrole=edit", "--user=bob")).ExitCode == 0);

        // "escalate" on roles lifts the role check.
        await admin.OkAsync("create", "role", "escalator", "--verb=escalate", "--resource=roles");
        await admin.OkAsync("create", "rolebinding", "alice-escalator", "--role=escalator", "--user=alice");
        await EventuallyAsync(async () => (await alice.RunAsync("create", "role", "deleter", "--verb=get,delete", "--resource=pods")).ExitCode == 0);
    }

    [Fact]
    public async Task AggregateToView_ExtendsViewEditAndAdmin_AndIsWithdrawnWhenDeleted()
    {
        await using var server = await SkiffServer.StartAsync();
        var admin = new Kubectl(server.Kubeconfig);
        Assert.Contains("rbac.authorization.k8s.io/aggregate-to-view", await admin.OkAsync("get", "clusterrole", "view", "-o", "jsonpath={.aggregationRule}"));
        Assert.Equal("no", (await admin.RunAsync("auth", "can-i", "list", "secrets", "--as=carol")).Stdout.Trim());
        await admin.OkAsync("create", "rolebinding", "carol-view", "--clusterrole=view", "--user=carol");
        await admin.OkAsync("create", "rolebinding", "dave-admin", "--clusterrole=admin", "--user=dave");

        await admin.OkWithInputAsync("""
            apiVersion: rbac.authorization.k8s.io/v1
            kind: ClusterRole
            metadata:
              name: extra-view
              labels:
                rbac.authorization.k8s.io/aggregate-to-view: "true"
            rules:
            - apiGroups: [""]
              resources: ["secrets"]
              verbs: ["list"]
            - apiGroups: [""]
              resources: ["limitranges"]
              verbs: ["delete"]
            """, "apply", "-f", "-");
        await EventuallyAsync(async () => (await admin.RunAsync("auth", "can-i", "list", "secrets", "--as=carol")).Stdout.Trim() == "yes");
        Assert.Contains("limitranges", await admin.OkAsync("get", "clusterrole", "view", "-o", "jsonpath={.rules}"));

        // view is aggregated into edit and edit into admin, as in Kubernetes.
        await EventuallyAsync(async () => (await admin.RunAsync("auth", "can-i", "delete", "limitranges", "--as=dave")).Stdout.Trim() == "yes");
        Assert.Equal("yes", (await admin.RunAsync("auth", "can-i", "create", "rolebindings", "--as=dave")).Stdout.Trim());
        Assert.Equal("no", (await admin.RunAsync("auth", "can-i", "create", "configmaps", "--as=carol")).Stdout.Trim());

        await admin.OkAsync("delete", "clusterrole", "extra-view");
        await EventuallyAsync(async () => (await admin.RunAsync("auth", "can-i", "list", "secrets", "--as=carol")).Stdout.Trim() == "no");
        await EventuallyAsync(async () => (await admin.RunAsync("auth", "can-i", "delete", "limitranges", "--as=dave")).Stdout.Trim() == "no");
        Assert.Equal("yes", (await admin.RunAsync("auth", "can-i", "list", "pods", "--as=carol")).Stdout.Trim());
    }

    internal static async Task<Kubectl> UserAsync(SkiffServer server, string user, string token)
    {
        var kubeconfig = Path.Combine(server.DataDir, user + ".yaml");
        File.WriteAllText(kubeconfig, File.ReadAllText(server.Kubeconfig));
        var k = new Kubectl(kubeconfig);
        await k.OkAsync("config", "set-credentials", user, "--token=" + token);
        var context = (await k.OkAsync("config", "current-context")).Trim();
        await k.OkAsync("config", "set-context", context, "--user=" + user);
        return k;
    }

    internal static async Task EventuallyAsync(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not met within 30 s");
            await Task.Delay(200);
        }
    }
}
