namespace Skiff.Scheduler.Framework;

/// <summary>A topology domain: a node label key and its value (kubernetes.io/hostname=node-1, topology.kubernetes.io/zone=a).</summary>
internal readonly record struct TopologyPair(string Key, string Value);
