namespace Skiff.Kubelet.Pods;

/// <summary>Why a container is not running right now (ErrImagePull, CrashLoopBackOff, CreateContainerConfigError, ...), as shown in its waiting state.</summary>
internal sealed record WaitingReason(string Reason, string Message);
