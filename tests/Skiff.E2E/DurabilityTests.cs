using System.Collections.Concurrent;
using k8s;
using k8s.Models;
using Skiff.E2E.Support;

namespace Skiff.E2E;

/// <summary>What survives the server process: SIGKILL loses no acknowledged write; SIGTERM stops cleanly.</summary>
public sealed class DurabilityTests
{
    [Fact]
    public async Task SigKill_WhileCreating_LosesNoAcknowledgedObject()
    {
        await using var server = await SkiffServer.StartAsync();
        var config = KubernetesClientConfiguration.BuildConfigFromConfigFile(server.Kubeconfig);
        var acknowledged = new ConcurrentBag<string>();
        using var stop = new CancellationTokenSource();
        var writers = Enumerable.Range(0, 8).Select(w => Task.Run(async () =>
        {
            using var client = new Kubernetes(config);
            for (var i = 0; !stop.IsCancellationRequested; i++)
            {
                var name = $"w{w}-{i}";
                try
                {
                    await client.CoreV1.CreateNamespacedConfigMapAsync(
                        new V1ConfigMap { Metadata = new V1ObjectMeta { Name = name }, Data = new Dictionary<string, string> { ["i"] = i.ToString() } },
                        "default");
                    acknowledged.Add(name);
                }
                catch (Exception)
                {
                    // The server died under this request: not acknowledged, so no promise was made.
                    return;
                }
            }
        })).ToArray();

        // Let writes flow, then kill the server in the middle of them.
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (acknowledged.Count < 300 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }

        await server.KillAsync();
        stop.Cancel();
        await Task.WhenAll(writers);
        Assert.True(acknowledged.Count >= 100, $"only {acknowledged.Count} creates were acknowledged before the kill");

        await server.RestartAsync();
        using var after = new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(server.Kubeconfig));
        var list = await after.CoreV1.ListNamespacedConfigMapAsync("default");
        var present = list.Items.Select(c => c.Metadata.Name).ToHashSet();
        var lost = acknowledged.Where(n => !present.Contains(n)).ToList();
        Assert.True(lost.Count == 0, $"{lost.Count} acknowledged objects lost after SIGKILL: {string.Join(", ", lost.Take(10))}");
    }

    [Fact]
    public async Task SigTerm_StopsCleanly_AndDataSurvivesRestart()
    {
        await using var server = await SkiffServer.StartAsync();
        var k = new Kubectl(server.Kubeconfig);
        await k.OkAsync("create", "configmap", "survivor", "--from-literal=a=b");
        Assert.Equal(0, await server.StopAsync());
        await server.RestartAsync();
        Assert.Contains("a: b", await new Kubectl(server.Kubeconfig).OkAsync("get", "configmap", "survivor", "-o", "yaml"));
    }
}
