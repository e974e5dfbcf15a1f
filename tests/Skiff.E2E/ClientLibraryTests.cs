using k8s;
using k8s.Models;
using Skiff.E2E.Support;

namespace Skiff.E2E;

/// <summary>The official C# client (KubernetesClient) against a real server, with the kubeconfig skiff writes.</summary>
public sealed class ClientLibraryTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    [Fact]
    public async Task Pods_CreateListWatch_WithOfficialClient()
    {
        using var client = new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(fixture.Server.Kubeconfig));
        await client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = "csharp" } });
        var initial = await client.CoreV1.ListNamespacedPodAsync("csharp");
        Assert.Empty(initial.Items);

        var events = new List<(WatchEventType Type, string Name)>();
        var seen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var watchTask = Task.Run(async () =>
        {
            await foreach (var (type, pod) in client.CoreV1.WatchListNamespacedPodAsync("csharp", resourceVersion: initial.Metadata.ResourceVersion, cancellationToken: cts.Token))
            {
                lock (events)
                {
                    events.Add((type, pod.Metadata.Name));

                    // The scheduler may write the pod's status in between (MODIFIED); the test waits for the delete.
                    if (type == WatchEventType.Deleted)
                    {
                        seen.TrySetResult();
                    }
                }
            }
        });

        var created = await client.CoreV1.CreateNamespacedPodAsync(new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = "p1", Labels = new Dictionary<string, string> { ["app"] = "x" } },
            Spec = new V1PodSpec { Containers = [new V1Container { Name = "c", Image = "busybox:1.36" }] },
        }, "csharp");
        Assert.Equal("Pending", created.Status.Phase);
        Assert.Equal("default-scheduler", created.Spec.SchedulerName);

        var list = await client.CoreV1.ListNamespacedPodAsync("csharp", labelSelector: "app=x");
        Assert.Equal("p1", Assert.Single(list.Items).Metadata.Name);

        await client.CoreV1.DeleteNamespacedPodAsync("p1", "csharp");
        await seen.Task.WaitAsync(TimeSpan.FromSeconds(30));
        cts.Cancel();
        try
        {
            await watchTask;
        }
        catch (OperationCanceledException)
        {
        }

        Assert.Equal((WatchEventType.Added, "p1"), events[0]);
        Assert.Equal((WatchEventType.Deleted, "p1"), events[^1]);
        Assert.All(events.Skip(1).SkipLast(1), e => Assert.Equal((WatchEventType.Modified, "p1"), e));
    }
}
