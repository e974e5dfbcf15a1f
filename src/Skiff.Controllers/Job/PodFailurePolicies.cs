using k8s.Models;

namespace Skiff.Controllers.Job;

/// <summary>
/// spec.podFailurePolicy evaluated against a failed pod, as the job controller's matchPodFailurePolicy does:
/// rules in order, the first that matches an exit code (of a terminated container, non-zero) or a pod condition
/// decides. Ignore leaves the failure uncounted; FailJob fails the job with a message naming the rule.
/// </summary>
internal static class PodFailurePolicies
{
    public readonly record struct Match(string? FailJobMessage, bool CountFailed, string? Action);

    public static Match Evaluate(V1PodFailurePolicy? policy, V1Pod pod)
    {
        if (policy is null)
        {
            return new Match(null, true, null);
        }

        var ns = pod.Metadata.NamespaceProperty;
        var name = pod.Metadata.Name;
        for (var i = 0; i < (policy.Rules?.Count ?? 0); i++)
        {
            var rule = policy.Rules![i];
            string? failJob;
            if (rule.OnExitCodes is { } codes)
            {
                var container = MatchingContainer(pod.Status?.ContainerStatuses, codes) ?? MatchingContainer(pod.Status?.InitContainerStatuses, codes);
                if (container is null)
                {
                    continue;
                }

                failJob = $"Container {container.Name} for pod {ns}/{name} failed with exit code {container.State.Terminated.ExitCode} matching {rule.Action} rule at index {i}";
            }
            else if (rule.OnPodConditions is { } patterns)
            {
                var condition = pod.Status?.Conditions?.FirstOrDefault(c => patterns.Any(p => p.Type == c.Type && (p.Status ?? "True") == c.Status));
                if (condition is null)
                {
                    continue;
                }

                failJob = $"Pod {ns}/{name} has condition {condition.Type} matching {rule.Action} rule at index {i}";
            }
            else
            {
                continue;
            }

            return rule.Action switch
            {
                "Ignore" => new Match(null, false, "Ignore"),
                "FailJob" => new Match(failJob, true, "FailJob"),
                var action => new Match(null, true, action),
            };
        }

        return new Match(null, true, null);
    }

    private static V1ContainerStatus? MatchingContainer(IList<V1ContainerStatus>? statuses, V1PodFailurePolicyOnExitCodesRequirement requirement)
    {
        foreach (var s in statuses ?? [])
        {
            if (s.State?.Terminated is not { } terminated || terminated.ExitCode == 0)
            {
                continue;
            }

            if (requirement.ContainerName is { } wanted && wanted != s.Name)
            {
                continue;
            }

            var listed = requirement.Values?.Contains(terminated.ExitCode) == true;
            if (requirement.OperatorProperty == "In" ? listed : requirement.OperatorProperty == "NotIn" && !listed)
            {
                return s;
            }
        }

        return null;
    }
}
