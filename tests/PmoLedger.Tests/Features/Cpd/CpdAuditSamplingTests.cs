using PmoLedger.Features.Cpd;

namespace PmoLedger.Tests.Features.Cpd;

/// <summary>The campaign draw (docs/cpd-audits.md, "How the sample is drawn") as a pure function.</summary>
public class CpdAuditSamplingTests
{
    private static SampledPractitioner Member(decimal attested, decimal selfClaimed) =>
        new(Guid.NewGuid(), attested, selfClaimed, CpdAuditSampling.Weight(attested, selfClaimed));

    [Fact]
    public void splitmix64_gives_the_published_reference_outputs()
    {
        // The first outputs for seed 1234567 in the reference implementation (Vigna's splitmix64.c).
        var random = new SplitMix64(1234567);
        new[] { random.Next(), random.Next(), random.Next() }
            .ShouldBe([6457827717110365317UL, 3203168211198807973UL, 9817491932198370423UL]);
    }

    [Fact]
    public void the_weight_is_one_plus_four_times_the_unattested_share()
    {
        CpdAuditSampling.Weight(10, 0).ShouldBe(1m);
        CpdAuditSampling.Weight(0, 7).ShouldBe(5m);
        CpdAuditSampling.Weight(3, 1).ShouldBe(2m);
        CpdAuditSampling.Weight(1, 2).ShouldBe(3.666667m);
    }

    [Fact]
    public void the_same_seed_over_the_same_population_selects_the_same_practitioners_whatever_order_they_come_in()
    {
        var population = Enumerable.Range(0, 30).Select(i => Member(i % 3, 2)).ToList();
        var first = CpdAuditSampling.Draw(population, 7, 42);
        first.Count.ShouldBe(7);
        first.Distinct().Count().ShouldBe(7);
        CpdAuditSampling.Draw(population.AsEnumerable().Reverse().ToList(), 7, 42).ShouldBe(first);
        CpdAuditSampling.Draw(population, 7, 43).ShouldNotBe(first);
    }

    /// <summary>
    /// Ten practitioners, five with only unattested points (weight 5) and five fully attested (weight 1), one drawn per
    /// seed over 20,000 seeds: each unattested one is expected 20,000 × 5/30 ≈ 3,333 times and each attested one
    /// 20,000 × 1/30 ≈ 667 times, a ratio of 5. The tolerance is ±10% on the ratio of the group totals (4.5 to 5.5);
    /// the standard deviation of that ratio here is about 1.5%, so a correct draw fails it with negligible probability.
    /// </summary>
    [Fact]
    public void over_many_seeds_practitioners_with_only_unattested_points_are_selected_about_five_times_as_often()
    {
        var unattested = Enumerable.Range(0, 5).Select(_ => Member(0, 6)).ToList();
        var attested = Enumerable.Range(0, 5).Select(_ => Member(6, 0)).ToList();
        var population = unattested.Concat(attested).ToList();
        var counts = population.ToDictionary(p => p.PractitionerId, _ => 0);
        for (var seed = 0L; seed < 20_000; seed++)
            foreach (var id in CpdAuditSampling.Draw(population, 1, seed)) counts[id]++;

        var ratio = (double)unattested.Sum(p => counts[p.PractitionerId]) / attested.Sum(p => counts[p.PractitionerId]);
        ratio.ShouldBeInRange(4.5, 5.5);
    }

    [Fact]
    public void a_sample_rate_selects_the_rate_of_the_population_rounded_up()
    {
        CpdAuditSampling.SizeFor(0.1m, 25).ShouldBe(3);
        CpdAuditSampling.SizeFor(0.01m, 5).ShouldBe(1);
        CpdAuditSampling.SizeFor(1m, 4).ShouldBe(4);
        CpdAuditSampling.SizeFor(0.5m, 0).ShouldBe(0);
    }
}
