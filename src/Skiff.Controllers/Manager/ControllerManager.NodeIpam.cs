using k8s.Models;
using Microsoft.Extensions.Logging;
using Skiff.Client.Api;
using Skiff.Client.Cache;
using Skiff.Controllers.Common;
using Skiff.Controllers.NodeIpam;

namespace Skiff.Controllers.Manager;

/// <summary>The node IPAM controller: a /24 of the cluster CIDR (10.42.0.0/16) for each node.</summary>
public sealed partial class ControllerManager
{
    private (IController Controller, int Workers) NodeIpamController(InformerFactory factory, Func<string, ILogger> logger) =>
        (new NodeIpamController(factory.For<V1Node>(ApiResource.Nodes), Client("node-controller").For<V1Node>(ApiResource.Nodes), new CidrAllocator("10.42.0.0/16", 24), timeProvider, logger("NodeIpam")), 1);
}
