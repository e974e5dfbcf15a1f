using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Skiff.Kubelet.Runtime;

namespace Skiff.Kubelet.Server.Stats;

/// <summary>kubelet's stats endpoints on the agent's HTTPS server: <c>/stats/summary</c> (Summary API JSON) and <c>/metrics/resource</c> (Prometheus text).</summary>
internal static class StatsEndpoints
{
    public static void MapStats(this WebApplication app, StatsProvider stats)
    {
        app.MapGet("/stats/summary", async (HttpContext ctx) =>
        {
            var summary = await CollectAsync(ctx, stats).ConfigureAwait(false);
            if (summary is null)
            {
                return;
            }

            ctx.Response.ContentType = "application/json";
            await ctx.Response.Body.WriteAsync(SummaryJson.Serialize(summary), ctx.RequestAborted).ConfigureAwait(false);
        });
        app.MapGet("/metrics/resource", async (HttpContext ctx) =>
        {
            var summary = await CollectAsync(ctx, stats).ConfigureAwait(false);
            if (summary is null)
            {
                return;
            }

            ctx.Response.ContentType = ResourceMetricsText.ContentType;
            await ctx.Response.WriteAsync(ResourceMetricsText.Write(summary), ctx.RequestAborted).ConfigureAwait(false);
        });
    }

    private static async Task<StatsSummary?> CollectAsync(HttpContext ctx, StatsProvider stats)
    {
        try
        {
            return await stats.CollectAsync(ctx.RequestAborted).ConfigureAwait(false);
        }
        catch (RuntimeException e)
        {
            // Before containerd is up (or while it restarts) there is nothing to report: kubelet answers 500 with the cause.
            ctx.Response.StatusCode = 500;
            ctx.Response.ContentType = "text/plain";
            await ctx.Response.WriteAsync($"failed to get stats from the container runtime: {e.Message}", ctx.RequestAborted).ConfigureAwait(false);
            return null;
        }
    }
}
