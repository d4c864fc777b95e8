using System.Text.Json;
using Alba;

namespace PmoLedger.Tests.Features.Audit;

/// <summary>Facts recorded late: business time (effectiveOn) learns them, system time (asOf) before them does not.</summary>
public class BackDatedPostingTests(AppFixture fixture) : AuditContext(fixture)
{
    private static string Instant(DateTimeOffset t) => Uri.EscapeDataString(t.ToString("O"));

    [Fact]
    public async Task a_back_dated_completion_changes_effective_on_answers_but_not_as_of_answers_from_before_it_was_recorded()
    {
        var provider = await (await As(AdminToken, s =>
        {
            s.Post.Json(new { name = "PMO Academy" }).ToUrl("/api/providers");
            s.StatusCodeShouldBe(201);
        })).Json();
        var id = await RegisterPractitioner();
        var beforePosting = Clock.GetUtcNow();
        Clock.Offset = TimeSpan.FromMinutes(5);   // the provider posts five minutes later...
        var completedOn = Clock.Today.AddMonths(-3); // ...a course completed three months ago
        await Host.Scenario(s =>
        {
            s.WithRequestHeader("X-Api-Key", provider.Str("apiKey"));
            s.Post.Json(new
            {
                providerReference = "late-1", course = new { code = "P3O-F", title = "P3O Foundation" },
                completedOn, outcome = "passed", cpdPoints = 7
            }).ToUrl($"/api/practitioners/{id}/completions");
            s.StatusCodeShouldBe(201);
        });

        var asOfBefore = await Audit($"/api/audit/practitioners/{id}/profile?asOf={Instant(beforePosting)}");
        asOfBefore.GetProperty("completions").GetInt32().ShouldBe(0);
        var timelineBefore = await Audit($"/api/audit/practitioners/{id}/timeline?asOf={Instant(beforePosting)}");
        timelineBefore.GetProperty("entries").EnumerateArray().ShouldNotContain(e => e.Str("kind") == "training-completed");

        var effectiveAfter = await Audit($"/api/audit/practitioners/{id}/profile?effectiveOn={completedOn.AddDays(1):yyyy-MM-dd}");
        effectiveAfter.GetProperty("completions").GetInt32().ShouldBe(1);
        var effectiveBefore = await Audit($"/api/audit/practitioners/{id}/profile?effectiveOn={completedOn.AddDays(-1):yyyy-MM-dd}");
        effectiveBefore.GetProperty("completions").GetInt32().ShouldBe(0);

        var asOfAfter = await Audit($"/api/audit/practitioners/{id}/profile?asOf={Instant(Clock.GetUtcNow())}");
        asOfAfter.GetProperty("completions").GetInt32().ShouldBe(1);
    }

    [Fact]
    public async Task a_back_dated_role_gives_the_level_its_history_implies_on_every_day()
    {
        var id = await RegisterPractitioner();
        await ChangeRole(id, "analyst", Clock.Today.AddMonths(-6), title: "PMO Analyst");
        await ChangeRole(id, "specialist", Clock.Today.AddYears(-6), concurrent: true, specialism: "planning", title: "Planner");

        // Four years into the back-dated role the practitioner was working, whatever was recorded when.
        var then = await Audit($"/api/audit/practitioners/{id}/profile?effectiveOn={Clock.Today.AddYears(-2):yyyy-MM-dd}");
        then.Str("careerLevel").ShouldBe("working");
        then.GetProperty("pmoExperienceYears").GetDecimal().ShouldBeGreaterThan(3.9m);
        (await Get<JsonElement>($"/api/practitioners/{id}")).Str("careerLevel").ShouldBe("working");

        // The correcting step is dated from the last recorded one, not from the day it was noticed.
        var timeline = await Get<JsonElement>($"/api/practitioners/{id}/timeline");
        timeline.GetProperty("entries").EnumerateArray().Last(e => e.Str("kind") == "career-level-reached")
            .Str("occurredOn").ShouldBe($"{Clock.Today.AddMonths(-6):yyyy-MM-dd}");
    }
}
