using System.Text.Json;
using Alba;
using PmoLedger.Features.Practitioners;

namespace PmoLedger.Tests.Features.Cpd;

public class CpdScenarioTests(AppFixture fixture) : ProgressionContext(fixture)
{
    private static DateOnly On(string day) => DateOnly.Parse(day);

    private static (decimal Logged, decimal Counted) Category(JsonElement period, string category)
    {
        var c = period.GetProperty("byCategory").GetProperty(category);
        return (c.GetProperty("logged").GetDecimal(), c.GetProperty("counted").GetDecimal());
    }

    /// <summary>The worked example of docs/domain.md, "CPD and certifications", posted exactly as written there.</summary>
    [Fact]
    public async Task the_worked_example_in_the_domain_doc_gives_the_documented_numbers()
    {
        Today(On("2026-06-15"));
        var id = await RegisterPractitioner("Sam Patel");
        await Award(id, "P3O-F", On("2024-03-01"), name: "P3O Foundation", number: "GR656-1234");

        await LogCpd(id, "professional-education", 3, On("2023-12-01"), "MSP refresher reading");
        await LogCpd(id, "professional-experience", 3, On("2024-04-10"), "Ran the quarterly portfolio review");
        await AppendCompletion(id, "P3O-P", On("2024-05-20"), 12, TrainingOutcome.Attended, "P3O Practitioner course");
        await LogCpd(id, "professional-education", 4, On("2024-06-15"), "Read the MoP guidance");
        await LogCpd(id, "community", 2, On("2024-09-01"), "Mentored a new PMO analyst");
        await LogCpd(id, "professional-experience", 2.5m, On("2024-11-12"), "Built the benefits-tracking dashboard");
        await LogCpd(id, "professional-education", 2, On("2025-01-08"), "Webinar: measuring PMO value");
        await LogCpd(id, "community", 1, On("2025-02-28"), "Spoke at a PMO meetup");
        await LogCpd(id, "professional-education", 6, On("2025-03-01"), "Risk management course");
        var revoked = await AppendCompletion(id, "PMO-RPT", On("2025-04-02"), 8, TrainingOutcome.Completed, "PMO reporting course");
        await RevokeCompletion(id, revoked);
        await LogCpd(id, "professional-experience", 4, On("2025-06-30"), "Led the resource-capacity review");

        var ledger = await Ledger(id);
        ledger.Str("ruleVersion").ShouldBe("axelos-2024");
        var cycle = ledger.GetProperty("cycles").EnumerateArray().ShouldHaveSingleItem();
        cycle.Str("certificationCode").ShouldBe("P3O-F");
        (cycle.Str("start"), cycle.Str("renewBy"), cycle.Str("status")).ShouldBe(("2024-03-01", "2027-03-01", "open"));
        cycle.GetProperty("met").GetBoolean().ShouldBeFalse();

        var periods = cycle.GetProperty("periods").EnumerateArray().ToList();
        periods.Select(p => (p.Str("start"), p.Str("end"))).ShouldBe(
            [("2024-03-01", "2025-02-28"), ("2025-03-01", "2026-02-28"), ("2026-03-01", "2027-02-28")]);

        var first = periods[0];
        Category(first, "professional-experience").ShouldBe((5.5m, 5.5m));
        Category(first, "professional-education").ShouldBe((18m, 15m));
        Category(first, "community").ShouldBe((3m, 3m));
        first.GetProperty("countedPoints").GetDecimal().ShouldBe(23.5m);
        first.GetProperty("met").GetBoolean().ShouldBeTrue();
        first.Str("metOn").ShouldBe("2024-11-12");
        first.GetProperty("entries").EnumerateArray()
            .Select(e => (e.Str("title"), e.GetProperty("counted").GetDecimal(), e.GetProperty("capped").GetDecimal()))
            .ShouldBe(
            [
                ("Ran the quarterly portfolio review", 3m, 0m),
                ("P3O Practitioner course", 12m, 0m),
                ("Read the MoP guidance", 3m, 1m),
                ("Mentored a new PMO analyst", 2m, 0m),
                ("Built the benefits-tracking dashboard", 2.5m, 0m),
                ("Webinar: measuring PMO value", 0m, 2m),
                ("Spoke at a PMO meetup", 1m, 0m)
            ]);

        var second = periods[1];
        Category(second, "professional-experience").ShouldBe((4m, 4m));
        Category(second, "professional-education").ShouldBe((6m, 6m));
        second.GetProperty("countedPoints").GetDecimal().ShouldBe(10m);
        second.GetProperty("met").GetBoolean().ShouldBeFalse();
        var revokedEntry = second.GetProperty("entries").EnumerateArray().Single(e => e.GetProperty("id").GetGuid() == revoked);
        revokedEntry.GetProperty("revoked").GetBoolean().ShouldBeTrue();
        revokedEntry.GetProperty("counted").GetDecimal().ShouldBe(0m);
        revokedEntry.Str("source").ShouldBe("completion");

        periods[2].GetProperty("countedPoints").GetDecimal().ShouldBe(0m);

        ledger.GetProperty("outsideAnyCycle").EnumerateArray().Select(e => e.Str("title")).ShouldBe(["MSP refresher reading"]);
    }

    [Fact]
    public async Task logging_an_activity_answers_201_and_shows_on_the_timeline()
    {
        var id = await RegisterPractitioner();
        var result = await As(PractitionerToken(id), s =>
        {
            s.Post.Json(new
            {
                category = "community", points = 1.5, title = "Mentored a junior analyst",
                reflection = "Explaining RAID logs made me tighten our own.", occurredOn = Clock.Today,
                evidenceUrl = "https://example.org/mentoring"
            }).ToUrl($"/api/practitioners/{id}/cpd");
            s.StatusCodeShouldBe(201);
        });
        var activityId = (await result.Json()).GetProperty("activityId").GetGuid();

        var entry = Entries(await TimelineOf(id), "cpd-logged").Single();
        entry.Str("summary").ShouldBe("Logged 1.5 CPD points of community: Mentored a junior analyst.");
        entry.GetProperty("ref").GetGuid().ShouldBe(activityId);
    }

    [Fact]
    public async Task a_practitioner_without_certifications_has_an_empty_ledger_listing_their_entries_as_uncounted()
    {
        var id = await RegisterPractitioner();
        await LogCpd(id, "professional-experience", 2, Clock.Today);
        var ledger = await Ledger(id);
        ledger.GetProperty("cycles").GetArrayLength().ShouldBe(0);
        ledger.GetProperty("outsideAnyCycle").GetArrayLength().ShouldBe(1);
        ledger.GetProperty("practitionerId").GetGuid().ShouldBe(id);
    }

    [Fact]
    public async Task an_entry_counts_towards_every_certification_whose_cycle_covers_it()
    {
        Today(On("2026-06-15"));
        var id = await RegisterPractitioner();
        await Award(id, "P3O-F", On("2025-01-10"));
        await Award(id, "P3O-P", On("2025-06-10"));
        await LogCpd(id, "professional-experience", 5, On("2025-07-01"));

        var counted = (await Ledger(id)).GetProperty("cycles").EnumerateArray()
            .Select(c => c.GetProperty("periods")[0].GetProperty("countedPoints").GetDecimal());
        counted.ShouldBe([5m, 5m]);
    }

    [Fact]
    public async Task the_ledger_is_for_self_admin_and_auditor_only()
    {
        var id = await RegisterPractitioner();
        var other = await RegisterPractitioner();
        foreach (var token in new[] { PractitionerToken(id), AdminToken, AuditorToken })
            await As(token, s => s.Get.Url($"/api/practitioners/{id}/cpd"));
        await As(PractitionerToken(other), s =>
        {
            s.Get.Url($"/api/practitioners/{id}/cpd");
            s.StatusCodeShouldBe(403);
        });
        await As(AdminToken, s =>
        {
            s.Get.Url($"/api/practitioners/{Guid.NewGuid()}/cpd");
            s.StatusCodeShouldBe(404);
            s.ContentTypeShouldBe("application/problem+json");
        });
    }

    [Fact]
    public async Task only_the_practitioner_logs_their_own_cpd()
    {
        var id = await RegisterPractitioner();
        var other = await RegisterPractitioner();
        var body = new { category = "community", points = 1, title = "T", reflection = "A reflection of enough length.", occurredOn = Clock.Today };
        foreach (var token in new[] { PractitionerToken(other), AdminToken, AuditorToken })
        {
            await As(token, s =>
            {
                s.Post.Json(body).ToUrl($"/api/practitioners/{id}/cpd");
                s.StatusCodeShouldBe(403);
            });
        }
        (await EventCount()).ShouldBe(2);
    }

    [Fact]
    public async Task logging_for_an_unknown_practitioner_is_404()
    {
        var ghost = Guid.NewGuid();
        await As(PractitionerToken(ghost), s =>
        {
            s.Post.Json(new { category = "community", points = 1, title = "T", reflection = "A reflection of enough length.", occurredOn = Clock.Today })
                .ToUrl($"/api/practitioners/{ghost}/cpd");
            s.StatusCodeShouldBe(404);
        });
    }

    private const string Valid = "\"title\":\"T\",\"reflection\":\"A reflection of enough length.\",\"occurredOn\":\"2025-01-01\"";

    // The field rules are unit tests (CpdActivityRulesTests); these are the values the JSON reader refuses.
    [Theory]
    [InlineData("{\"category\":\"community\",\"points\":\"lots\"," + Valid + "}", "points")]
    [InlineData("{\"category\":\"community\",\"points\":1e40," + Valid + "}", "points")]
    public async Task invalid_activities_are_400_naming_the_field(string body, string field)
    {
        var id = await RegisterPractitioner();
        await ShouldBeBadRequest(PractitionerToken(id), $"/api/practitioners/{id}/cpd", body, field);
        (await EventCount()).ShouldBe(1);
    }

    [Fact]
    public async Task malformed_json_is_400()
    {
        var id = await RegisterPractitioner();
        await As(PractitionerToken(id), s =>
        {
            s.Post.Text("{\"category\": ").ToUrl($"/api/practitioners/{id}/cpd");
            s.WithRequestHeader("Content-Type", "application/json");
            s.StatusCodeShouldBe(400);
            s.ContentTypeShouldBe("application/problem+json");
        });
    }
}
