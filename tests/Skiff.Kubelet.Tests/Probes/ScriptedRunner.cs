using k8s.Models;
using Skiff.Kubelet.Probes;

namespace Skiff.Kubelet.Tests.Probes;

/// <summary>A probe runner that returns queued outcomes (then repeats the last), counting the runs.</summary>
internal sealed class ScriptedRunner : IProbeRunner
{
    private readonly Queue<ProbeOutcome> _queue = new();
    private ProbeOutcome _last = ProbeOutcome.Success();

    public int Runs { get; private set; }

    public string? LastPodIP { get; private set; }

    public ScriptedRunner Then(params ProbeStatus[] statuses)
    {
        foreach (var s in statuses)
        {
            _queue.Enqueue(new ProbeOutcome(s, s == ProbeStatus.Failure ? "HTTP probe failed with statuscode: 500" : s.ToString()));
        }

        return this;
    }

    public Task<ProbeOutcome> RunAsync(V1Probe probe, V1Pod pod, V1Container container, string containerId, string? podIP, CancellationToken cancellationToken)
    {
        Runs++;
        LastPodIP = podIP;
        if (_queue.Count > 0)
        {
            _last = _queue.Dequeue();
        }

        return Task.FromResult(_last);
    }
}
