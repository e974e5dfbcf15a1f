namespace Skiff.Kubelet.Volumes;

/// <summary>One file of a configMap, secret, downwardAPI or projected volume: its bytes and its permission bits (e.g. 0644 = 420).</summary>
internal sealed record FileProjection(byte[] Data, int Mode);
