using System.Globalization;

namespace PmoLedger.Features.Cpd;

/// <summary>A member of a campaign's population with the figures its weight comes from.</summary>
public sealed record SampledPractitioner(Guid PractitionerId, decimal AttestedPoints, decimal SelfClaimedPoints, decimal Weight);

/// <summary>
/// The campaign draw, written so that anyone can repeat it by hand or in another language (docs/cpd-audits.md,
/// "How the sample is drawn"): weighted sampling without replacement by Efraimidis–Spirakis keys
/// (A-ES, "Weighted random sampling with a reservoir", 2006) over uniforms from SplitMix64 (Steele, Lea and
/// Flood, 2014), the population in ascending order of practitioner id.
/// </summary>
public static class CpdAuditSampling
{
    public const string Algorithm = "es-splitmix64-v1";

    /// <summary>Seeds stay exact in every JSON reader (JavaScript numbers included).</summary>
    public const long MaxSeed = (1L << 53) - 1;

    /// <summary>1 + 4 × the share of self-claimed (unattested) points, to 6 decimals: the recorded value is the one drawn with.</summary>
    public static decimal Weight(decimal attestedPoints, decimal selfClaimedPoints)
    {
        var total = attestedPoints + selfClaimedPoints;
        var share = total <= 0 ? 1m : selfClaimedPoints / total;
        return Math.Round(1m + 4m * share, 6, MidpointRounding.ToEven);
    }

    /// <summary>How many a sampleRate selects: the rate of the population, rounded up, at least one.</summary>
    public static int SizeFor(decimal sampleRate, int populationSize) =>
        populationSize == 0 ? 0 : Math.Max(1, (int)Math.Ceiling(sampleRate * populationSize));

    /// <summary>
    /// Draws <paramref name="size"/> distinct practitioners. The population is put in ascending order of the
    /// practitioner id's lowercase text; the i-th (from 0) gets the i-th SplitMix64 output x, a uniform
    /// u = ((x >> 11) + 0.5) / 2^53 in (0, 1) and the key ln(u) / weight (the logarithm of A-ES's u^(1/w), same
    /// order). The selected are the <paramref name="size"/> largest keys, largest first; equal keys go to the
    /// earlier in that order.
    /// </summary>
    public static IReadOnlyList<Guid> Draw(IReadOnlyList<SampledPractitioner> population, int size, long seed)
    {
        var random = new SplitMix64(unchecked((ulong)seed));
        return population
            .OrderBy(p => p.PractitionerId.ToString("D", CultureInfo.InvariantCulture), StringComparer.Ordinal)
            .Select((p, order) => (p.PractitionerId, Key: Math.Log(random.NextUniform()) / (double)p.Weight, order))
            .OrderByDescending(x => x.Key).ThenBy(x => x.order)
            .Take(size)
            .Select(x => x.PractitionerId)
            .ToList();
    }
}

/// <summary>
/// SplitMix64 exactly as published (also Java's SplittableRandom and the seeding generator of xoshiro):
/// state += 0x9E3779B97F4A7C15; z = state; z = (z ^ z >> 30) × 0xBF58476D1CE4E5B9; z = (z ^ z >> 27) × 0x94D049BB133111EB;
/// output z ^ z >> 31, all modulo 2^64.
/// </summary>
public sealed class SplitMix64(ulong seed)
{
    private ulong _state = seed;

    public ulong Next()
    {
        unchecked
        {
            _state += 0x9E3779B97F4A7C15UL;
            var z = _state;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            return z ^ (z >> 31);
        }
    }

    /// <summary>The top 53 bits as a double strictly between 0 and 1.</summary>
    public double NextUniform() => ((Next() >> 11) + 0.5) / 9007199254740992.0;
}
