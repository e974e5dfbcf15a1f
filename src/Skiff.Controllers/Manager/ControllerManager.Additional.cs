using Microsoft.Extensions.Logging;
using Skiff.Client.Cache;
using Skiff.Client.Events;
using Skiff.Controllers.Common;

namespace Skiff.Controllers.Manager;

/// <summary>The controllers beyond the core set (endpoints, pod GC, TTL-after-finished).</summary>
public sealed partial class ControllerManager
{
    private partial IEnumerable<(IController Controller, int Workers)> AdditionalControllers(InformerFactory factory, Func<string, EventRecorder> recorder, Func<string, ILogger> logger) => [];
}
