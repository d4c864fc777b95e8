using System.Text.Json;
using Marten;
using PmoLedger.Features.Audit;
using PmoLedger.Features.Cpd;

namespace PmoLedger.Tests.Features.Cpd;

/// <summary>Who a campaign's population holds: read as of its recorded sequence, rejected and out-of-window activities aside.</summary>
public partial class CpdAuditScenarioTests
{
    private async Task<List<SampledPractitioner>> RecordedPopulation(Guid campaignId) =>
        (await Get<JsonElement>($"/api/audit/cpd-campaigns/{campaignId}", AuditorToken)).GetProperty("campaign").GetProperty("population")
        .Deserialize<List<SampledPractitioner>>(JsonSerializerOptions.Web)!;

    [Fact]
    public async Task the_population_is_read_as_of_its_sequence_without_rejected_or_out_of_window_activities_in_any_page_size()
    {
        Today(On("2026-06-15"));
        var kept = await RegisterPractitioner();
        await LogCourse(kept, 4, On("2025-05-11"), null, "professional-experience");
        var rejected = await RegisterPractitioner();
        var rejectedActivity = await LogCourse(rejected, 4, On("2025-05-11"), null, "professional-experience");
        await LogCourse(rejected, 3, On("2024-05-11"), null, "community");
        var outside = await RegisterPractitioner();
        await LogCourse(outside, 4, On("2024-05-11"), null);
        var window = new { periodFrom = On("2025-01-01"), periodTo = On("2025-12-31") };

        var first = await OpenCampaign(new { name = "First", window.periodFrom, window.periodTo, sampleSize = 2, seed = 1L });
        var firstId = first.GetProperty("campaignId").GetGuid();
        var recorded = await RecordedPopulation(firstId);
        recorded.Select(p => p.PractitionerId).ShouldBe(new[] { kept, rejected }.OrderBy(id => id.ToString()));

        // After the draw: one practitioner's only activity in the window is rejected, another logs their first.
        var audit = (await Get<JsonElement>($"/api/practitioners/{rejected}/cpd-audits", PractitionerToken(rejected)))[0].GetProperty("id").GetGuid();
        await RejectAndSettle(audit, rejectedActivity);
        var late = await RegisterPractitioner();
        await LogCourse(late, 2, On("2025-07-01"), null, "community");

        // The first campaign still reads what it drew from; a new one sees the log as it now stands.
        var answer = await (await As(AuditorToken, s => s.Post.Url($"/api/audit/cpd-campaigns/{firstId}/reproduce"))).Json();
        answer.GetProperty("reproduced").GetBoolean().ShouldBeTrue(answer.ToString());
        var second = await OpenCampaign(new { name = "Second", window.periodFrom, window.periodTo, sampleSize = 1, seed = 1L });
        var now = await RecordedPopulation(second.GetProperty("campaignId").GetGuid());
        now.Select(p => p.PractitionerId).ShouldBe(new[] { kept, late }.OrderBy(id => id.ToString()));
        now.Single(p => p.PractitionerId == late).SelfClaimedPoints.ShouldBe(2m);

        // However many streams are fetched at a time, the population read is the same.
        var sequence = (await Get<JsonElement>($"/api/audit/cpd-campaigns/{firstId}", AuditorToken)).GetProperty("campaign")
            .GetProperty("populationSequence").GetInt64();
        await using var session = Store.QuerySession();
        foreach (var pageSize in new[] { 1, 2, CampaignPopulation.PageSize })
            (await CampaignPopulation.ReadAsync(session, window.periodFrom, window.periodTo, sequence, default, pageSize)).ShouldBe(recorded);
    }
}
