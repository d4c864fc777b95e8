using System.Text.Json;

namespace PmoLedger.Tests.Features.Audit;

public class PastStateTests(AppFixture fixture) : AuditContext(fixture)
{
    private static string Instant(DateTimeOffset t) => Uri.EscapeDataString(t.ToString("O"));

    [Fact]
    public async Task a_back_dated_role_changes_effective_on_answers_but_not_as_of_answers_from_before_it_was_recorded()
    {
        var id = await RegisterPractitioner("Priya Shah");
        var beforeTheRole = Clock.GetUtcNow();
        Clock.Offset = TimeSpan.FromMinutes(5); // the role is recorded five minutes later
        var startedOn = Clock.Today.AddYears(-1);
        await ChangeRole(id, "analyst", startedOn, title: "PMO Analyst");

        // System time: at that instant the ledger knew of no role.
        var then = await Audit($"/api/audit/practitioners/{id}/profile?asOf={Instant(beforeTheRole)}");
        then.GetProperty("currentRole").ValueKind.ShouldBe(JsonValueKind.Null);
        then.GetProperty("pmoExperienceYears").GetDecimal().ShouldBe(0m);
        then.GetProperty("version").GetInt32().ShouldBe(1);

        // Business time: by today's knowledge the role was held a month after it started.
        var effective = await Audit($"/api/audit/practitioners/{id}/profile?effectiveOn={startedOn.AddMonths(1):yyyy-MM-dd}");
        effective.GetProperty("currentRole").Str("title").ShouldBe("PMO Analyst");
        effective.GetProperty("pmoExperienceYears").GetDecimal().ShouldBeGreaterThan(0m);
        effective.GetProperty("pmoExperienceYears").GetDecimal().ShouldBeLessThan(0.2m);

        // ...and not the day before it started.
        var before = await Audit($"/api/audit/practitioners/{id}/profile?effectiveOn={startedOn.AddDays(-1):yyyy-MM-dd}");
        before.GetProperty("currentRole").ValueKind.ShouldBe(JsonValueKind.Null);
        before.Str("fullName").ShouldBe("Priya Shah");

        // After it was recorded, asOf shows it too, with experience counted up to that day.
        var now = await Audit($"/api/audit/practitioners/{id}/profile?asOf={Instant(Clock.GetUtcNow())}");
        now.GetProperty("currentRole").Str("title").ShouldBe("PMO Analyst");
        now.GetProperty("pmoExperienceYears").GetDecimal().ShouldBeGreaterThanOrEqualTo(0.99m);
    }

    [Fact]
    public async Task the_latest_as_of_answer_is_the_stored_profile_and_timeline()
    {
        var id = await RegisterPractitioner();
        await ChangeRole(id, "administrator", Clock.Today.AddYears(-3));
        await ChangeRole(id, "analyst", Clock.Today.AddMonths(-6));
        var latest = Instant(Clock.GetUtcNow());

        var profile = await Audit($"/api/audit/practitioners/{id}/profile?asOf={latest}");
        var stored = await Get<JsonElement>($"/api/practitioners/{id}");
        profile.GetRawText().ShouldBe(stored.GetRawText());

        var timeline = await Audit($"/api/audit/practitioners/{id}/timeline?asOf={latest}");
        var storedTimeline = await Get<JsonElement>($"/api/practitioners/{id}/timeline");
        // Same JSON by value: the stored timeline is served as PostgreSQL prints it (its own key order).
        System.Text.Json.Nodes.JsonNode.DeepEquals(
                System.Text.Json.Nodes.JsonNode.Parse(timeline.GetRawText()), System.Text.Json.Nodes.JsonNode.Parse(storedTimeline.GetRawText()))
            .ShouldBeTrue($"{timeline}\n{storedTimeline}");
    }

    [Fact]
    public async Task the_timeline_as_of_an_instant_leaves_out_what_was_recorded_later()
    {
        var id = await RegisterPractitioner();
        var afterRegistering = Clock.GetUtcNow();
        Clock.Offset = TimeSpan.FromMinutes(1);
        await ChangeRole(id, "analyst", Clock.Today.AddYears(-2));

        var then = await Audit($"/api/audit/practitioners/{id}/timeline?asOf={Instant(afterRegistering)}");
        then.GetProperty("entries").EnumerateArray().Select(e => e.Str("kind")).ShouldBe(["registered"]);

        var now = await Audit($"/api/audit/practitioners/{id}/timeline?asOf={Instant(Clock.GetUtcNow())}");
        var kinds = now.GetProperty("entries").EnumerateArray().Select(e => e.Str("kind")).ToList();
        kinds.ShouldContain("role-changed");
        kinds.Count.ShouldBeGreaterThan(2);
    }

    [Fact]
    public async Task an_instant_before_the_practitioner_existed_is_404()
    {
        var before = Clock.GetUtcNow().AddSeconds(-1);
        var id = await RegisterPractitioner();

        await AuditProblem($"/api/audit/practitioners/{id}/profile?asOf={Instant(before)}", 404);
        await AuditProblem($"/api/audit/practitioners/{id}/timeline?asOf={Instant(before)}", 404);
    }

    [Fact]
    public async Task an_unknown_practitioner_is_404_at_any_time()
    {
        await AuditProblem($"/api/audit/practitioners/{Guid.NewGuid()}/profile?effectiveOn=2025-01-01", 404);
        await AuditProblem($"/api/audit/practitioners/{Guid.NewGuid()}/timeline?asOf=2025-01-01T00:00:00Z", 404);
    }

    [Fact]
    public async Task an_instant_without_an_offset_is_read_as_utc_and_one_with_an_offset_is_honoured()
    {
        var id = await RegisterPractitioner();
        var later = Clock.GetUtcNow().AddMinutes(1);
        Clock.Offset += TimeSpan.FromMinutes(2); // asOf may not be in the future

        await Audit($"/api/audit/practitioners/{id}/profile?asOf={later.UtcDateTime:yyyy-MM-ddTHH:mm:ss}");
        await Audit($"/api/audit/practitioners/{id}/profile?asOf={Instant(later.ToOffset(TimeSpan.FromHours(2)))}");
        // A '+' left unencoded arrives as a space; it is read as the '+' it was.
        await Audit($"/api/audit/practitioners/{id}/profile?asOf={later.ToOffset(TimeSpan.FromHours(2)):yyyy-MM-ddTHH:mm:sszzz}");
    }

    [Theory]
    [InlineData("profile", "", "asOf")]
    [InlineData("profile", "?asOf=2025-01-01T00:00:00Z&effectiveOn=2025-01-01", "effectiveOn")]
    [InlineData("profile", "?asOf=yesterday", "asOf")]
    [InlineData("profile", "?asOf=2025-01-01", "asOf")]
    [InlineData("profile", "?asOf=2025-13-01T00:00:00Z", "asOf")]
    [InlineData("profile", "?effectiveOn=01/02/2025", "effectiveOn")]
    [InlineData("profile", "?effectiveOn=2025-02-30", "effectiveOn")]
    [InlineData("timeline", "", "asOf")]
    [InlineData("timeline", "?effectiveOn=2025-01-01", "effectiveOn")]
    [InlineData("timeline", "?asOf=not-a-time", "asOf")]
    public async Task a_missing_doubled_or_malformed_point_in_time_is_400_naming_the_parameter(string view, string query, string field)
    {
        var id = await RegisterPractitioner();
        var problem = await AuditProblem($"/api/audit/practitioners/{id}/{view}{query}", 400);
        problem.GetProperty("errors").TryGetProperty(field, out _).ShouldBeTrue(problem.GetRawText());
    }
}
