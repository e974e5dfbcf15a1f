namespace Skiff.Scheduler.Framework;

/// <summary>kube-scheduler's helper.DefaultNormalizeScore: scales so the highest raw score becomes MaxScore, optionally reversed.</summary>
internal static class ScoreNormalizer
{
    public static void Default(Span<long> scores, bool reverse)
    {
        long max = 0;
        foreach (var s in scores)
        {
            max = Math.Max(max, s);
        }

        if (max == 0)
        {
            if (reverse)
            {
                scores.Fill(IScorePlugin.MaxScore);
            }

            return;
        }

        for (var i = 0; i < scores.Length; i++)
        {
            var s = IScorePlugin.MaxScore * scores[i] / max;
            scores[i] = reverse ? IScorePlugin.MaxScore - s : s;
        }
    }
}
