using Skiff.E2E.Support;

namespace Skiff.E2E;

/// <summary>Limited access as on Kubernetes: a token user, a Role and RoleBinding, kubectl auth can-i / whoami, 403 texts.</summary>
public sealed class RbacTests
{
    [Fact]
    public async Task TokenUser_GetsExactlyWhatARoleBindingGrants()
    {
        await using var server = await SkiffServer.StartAsync();
        var admin = new Kubectl(server.Kubeconfig);

        // A teammate's token in the static token file (kube-apiserver's --token-auth-file format), read at start.
        await server.StopAsync();
        File.AppendAllText(Path.Combine(server.DataDir, "server", "tokens.csv"), "alice-secret-token,alice,alice-uid,\"dev\"\n");
        await server.RestartAsync();

        var kubeconfig = Path.Combine(server.DataDir, "alice.yaml");
        File.WriteAllText(kubeconfig, File.ReadAllText(server.Kubeconfig));
        var alice = new Kubectl(kubeconfig);
        await alice.OkAsync("config", "set-credentials", "alice", "--token=alice-secret-token");
        var context = (await alice.OkAsync("config", "current-context")).Trim();
        await alice.OkAsync("config", "set-context", context, "--user=alice");

        Assert.Equal("alice", (await alice.OkAsync("auth", "whoami", "-o", "jsonpath={.status.userInfo.username}")).Trim());
        var denied = await alice.RunAsync("get", "pods");
        Assert.NotEqual(0, denied.ExitCode);
        Assert.Contains("pods is forbidden: User \"alice\" cannot list resource \"pods\" in API group \"\" in the namespace \"default\"", denied.Stderr);
        Assert.Equal("no", (await alice.RunAsync("auth", "can-i", "list", "pods")).Stdout.Trim());

        await admin.OkAsync("create", "role", "pod-reader", "--verb=get,list,watch", "--resource=pods");
        await admin.OkAsync("create", "rolebinding", "alice-reads", "--role=pod-reader", "--user=alice");
        var canList = "";
        for (var i = 0; i < 50 && canList != "yes"; i++)
        {
            canList = (await alice.RunAsync("auth", "can-i", "list", "pods")).Stdout.Trim();
            if (canList != "yes")
            {
                await Task.Delay(200);
            }
        }

        Assert.Equal("yes", canList);
        await alice.OkAsync("get", "pods");
        Assert.Equal("no", (await alice.RunAsync("auth", "can-i", "delete", "pods")).Stdout.Trim());
        Assert.Equal("no", (await alice.RunAsync("auth", "can-i", "list", "pods", "-n", "kube-system")).Stdout.Trim());

        // Impersonation: the admin checks as alice; alice may not impersonate anyone.
        Assert.Equal("yes", (await admin.RunAsync("auth", "can-i", "list", "pods", "--as=alice")).Stdout.Trim());
        Assert.Equal("no", (await admin.RunAsync("auth", "can-i", "list", "pods", "--as=bob")).Stdout.Trim());
        var impersonate = await alice.RunAsync("get", "pods", "--as=bob");
        Assert.Contains("users \"bob\" is forbidden: User \"alice\" cannot impersonate resource \"users\" in API group \"\" at the cluster scope", impersonate.Stderr);

        // The default ClusterRoles are there to bind: edit lets alice create configmaps but not roles.
        await admin.OkAsync("create", "rolebinding", "alice-edit", "--clusterrole=edit", "--user=alice");
        var canCreate = "";
        for (var i = 0; i < 50 && canCreate != "yes"; i++)
        {
            canCreate = (await alice.RunAsync("auth", "can-i", "create", "configmaps")).Stdout.Trim();
            if (canCreate != "yes")
            {
                await Task.Delay(200);
            }
        }

        Assert.Equal("yes", canCreate);
        Assert.Equal("no", (await alice.RunAsync("auth", "can-i", "create", "roles")).Stdout.Trim());
        var list = await alice.OkAsync("auth", "can-i", "--list");
        Assert.Contains("configmaps", list);
    }
}
