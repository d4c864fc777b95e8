using System.Text.Json;
using Alba;
using PmoLedger.Infrastructure;

namespace PmoLedger.Tests.Features.Practitioners;

/// <summary>Role changes over the real routes, read back through the profile and the timeline.</summary>
public class RecordingCareersTests(AppFixture fixture) : IntegrationContext(fixture)
{
    private DateOnly Today => Clock.Today;

    [Fact]
    public async Task a_whole_career_from_administrator_to_director_shows_every_level_step()
    {
        var id = await RegisterPractitioner("Priya Shah");
        var admin = Today.AddYears(-12);
        var analyst = Today.AddYears(-9);
        var manager = Today.AddYears(-6);
        var director = Today.AddYears(-2);
        await ChangeRole(id, "administrator", admin, title: "PMO Administrator");
        await ChangeRole(id, "analyst", analyst, title: "PMO Analyst");
        await ChangeRole(id, "manager", manager, title: "PMO Manager");
        await ChangeRole(id, "director", director, title: "Head of PMO");

        var timeline = await Get<JsonElement>($"/api/practitioners/{id}/timeline");
        var levels = timeline.GetProperty("entries").EnumerateArray()
            .Where(e => e.Str("kind") == "career-level-reached")
            .Select(e => (e.Str("occurredOn"), e.Str("summary")))
            .ToList();
        levels.Select(l => l.Item1).ShouldBe(
        [
            $"{admin:yyyy-MM-dd}", $"{admin.AddDays(730):yyyy-MM-dd}", $"{manager:yyyy-MM-dd}", $"{director:yyyy-MM-dd}"
        ]);
        levels[1].Item2.ShouldContain("working");
        levels[3].Item2.ShouldContain("directing");

        var occurred = timeline.GetProperty("entries").EnumerateArray().Select(e => DateOnly.Parse(e.Str("occurredOn"))).ToList();
        occurred.ShouldBe(occurred.Order().ToList());

        var kinds = timeline.GetProperty("entries").EnumerateArray().Select(e => e.Str("kind")).ToList();
        kinds.Count(k => k == "role-changed").ShouldBe(4);
        kinds.Count(k => k == "role-ended").ShouldBe(3);

        var profile = await Get<JsonElement>($"/api/practitioners/{id}");
        profile.Str("careerLevel").ShouldBe("directing");
        profile.GetProperty("currentRole").Str("title").ShouldBe("Head of PMO");
        profile.GetProperty("currentRole").Str("roleFamily").ShouldBe("director");
        var expectedYears = Math.Floor((Today.DayNumber - admin.DayNumber) * 100m / 365m) / 100m;
        profile.GetProperty("pmoExperienceYears").GetDecimal().ShouldBe(expectedYears);
    }

    [Fact]
    public async Task the_timeline_says_in_plain_english_who_became_what()
    {
        var id = await RegisterPractitioner();
        await As(AdminToken, s =>
        {
            s.Post.Json(new
            {
                title = "Senior Planner", roleFamily = "specialist", specialism = "planning", employmentType = "part-time",
                organisation = "NHS Digital", industry = "Health (NHS)", officeType = "centre-of-excellence",
                startedOn = Today.AddMonths(-1)
            }).ToUrl($"/api/practitioners/{id}/roles");
            s.StatusCodeShouldBe(204);
        });

        var timeline = await Get<JsonElement>($"/api/practitioners/{id}/timeline");
        var role = timeline.GetProperty("entries").EnumerateArray().Single(e => e.Str("kind") == "role-changed");
        role.Str("summary").ShouldBe(
            "Became Senior Planner (PMO Specialist, planning, part-time, centre-of-excellence office) at NHS Digital (Health (NHS)).");
        role.Str("status").ShouldBe("active");
        role.GetProperty("ref").GetGuid().ShouldNotBe(Guid.Empty);
        role.Str("recordedBy").ShouldBe("admin@test");
        timeline.GetProperty("practitionerId").GetGuid().ShouldBe(id);

        var profile = await Get<JsonElement>($"/api/practitioners/{id}");
        var current = profile.GetProperty("currentRole");
        current.Str("specialism").ShouldBe("planning");
        current.Str("employmentType").ShouldBe("part-time");
        current.Str("officeType").ShouldBe("centre-of-excellence");
        current.Str("industry").ShouldBe("Health (NHS)");
    }

    [Fact]
    public async Task a_concurrent_role_keeps_the_main_role_open_and_overlaps_count_once()
    {
        var id = await RegisterPractitioner();
        await ChangeRole(id, "analyst", Today.AddDays(-400), title: "PMO Analyst");
        await ChangeRole(id, "specialist", Today.AddDays(-200), concurrent: true, specialism: "finance", title: "Finance Analyst");

        var profile = await Get<JsonElement>($"/api/practitioners/{id}");
        profile.GetProperty("currentRole").Str("title").ShouldBe("PMO Analyst");
        profile.GetProperty("pmoExperienceYears").GetDecimal().ShouldBe(Math.Floor(400 * 100m / 365m) / 100m);

        var timeline = await Get<JsonElement>($"/api/practitioners/{id}/timeline");
        timeline.GetProperty("entries").EnumerateArray().Count(e => e.Str("kind") == "role-ended").ShouldBe(0);
    }

    [Fact]
    public async Task ending_a_role_with_no_successor_is_a_career_break()
    {
        var id = await RegisterPractitioner();
        await ChangeRole(id, "manager", Today.AddYears(-5));

        await As(AdminToken, s =>
        {
            s.Post.Json(new { endedOn = Today.AddYears(-1) }).ToUrl($"/api/practitioners/{id}/roles/end");
            s.StatusCodeShouldBe(204);
        });

        var profile = await Get<JsonElement>($"/api/practitioners/{id}");
        profile.GetProperty("currentRole").ValueKind.ShouldBe(JsonValueKind.Null);
        profile.Str("careerLevel").ShouldBe("working");
        profile.GetProperty("pmoExperienceYears").GetDecimal().ShouldBe(Math.Floor((Today.AddYears(-1).DayNumber + 1 - Today.AddYears(-5).DayNumber) * 100m / 365m) / 100m);

        var timeline = await Get<JsonElement>($"/api/practitioners/{id}/timeline");
        timeline.GetProperty("entries").EnumerateArray().Last(e => e.Str("kind") == "career-level-reached")
            .Str("occurredOn").ShouldBe($"{Today.AddYears(-1).AddDays(1):yyyy-MM-dd}");

        // Nothing is open any more: ending again is a conflict.
        var again = await As(AdminToken, s =>
        {
            s.Post.Json(new { endedOn = Today }).ToUrl($"/api/practitioners/{id}/roles/end");
            s.StatusCodeShouldBe(409);
            s.ContentTypeShouldBe("application/problem+json");
        });
    }

    [Fact]
    public async Task ending_one_role_by_its_ref_leaves_the_others_open()
    {
        var id = await RegisterPractitioner();
        await ChangeRole(id, "analyst", Today.AddDays(-300), title: "Main");
        await ChangeRole(id, "specialist", Today.AddDays(-100), concurrent: true, specialism: "risk", title: "Side");
        var timeline = await Get<JsonElement>($"/api/practitioners/{id}/timeline");
        var side = timeline.GetProperty("entries").EnumerateArray()
            .Single(e => e.Str("kind") == "role-changed" && e.Str("summary").Contains("Side")).GetProperty("ref").GetGuid();

        await As(AdminToken, s =>
        {
            s.Post.Json(new { endedOn = Today, roleId = side }).ToUrl($"/api/practitioners/{id}/roles/end");
            s.StatusCodeShouldBe(204);
        });
        (await Get<JsonElement>($"/api/practitioners/{id}")).GetProperty("currentRole").Str("title").ShouldBe("Main");

        await As(AdminToken, s =>
        {
            s.Post.Json(new { endedOn = Today, roleId = Guid.NewGuid() }).ToUrl($"/api/practitioners/{id}/roles/end");
            s.StatusCodeShouldBe(404);
        });
    }

    [Fact]
    public async Task the_two_year_crossing_in_the_future_fires_from_a_durable_scheduled_message()
    {
        var id = await RegisterPractitioner();
        var started = Today.AddDays(-100);
        var crossing = started.AddDays(730);

        await ChangeRole(id, "analyst", started);
        (await Get<JsonElement>($"/api/practitioners/{id}")).Str("careerLevel").ShouldBe("entry");

        // Move the ledger's clock to two seconds before the crossing, then record a change so
        // the reassessment is scheduled two real seconds ahead.
        Clock.Offset = Clock_StartOf(crossing) - TimeSpan.FromSeconds(2) - DateTimeOffset.UtcNow;
        await ChangeRole(id, "specialist", Clock.Today.AddDays(-1), concurrent: true, specialism: "reporting");

        // The message, not the read, records the step: wait for it to land on the timeline.
        var deadline = DateTime.UtcNow.AddSeconds(20);
        JsonElement? step;
        do
        {
            await Task.Delay(250);
            var timeline = await Get<JsonElement>($"/api/practitioners/{id}/timeline");
            step = timeline.GetProperty("entries").EnumerateArray()
                .Where(e => e.Str("kind") == "career-level-reached" && e.Str("summary").Contains("working"))
                .Select(e => (JsonElement?)e).FirstOrDefault();
        } while (step is null && DateTime.UtcNow < deadline);

        step.ShouldNotBeNull("no career-level step was recorded by the scheduled message");
        step.Value.Str("occurredOn").ShouldBe($"{crossing:yyyy-MM-dd}");
        (await Get<JsonElement>($"/api/practitioners/{id}")).Str("careerLevel").ShouldBe("working");
    }

    private static DateTimeOffset Clock_StartOf(DateOnly day) => PmoLedger.Infrastructure.Clock.StartOf(day);

    [Fact]
    public async Task concurrent_writes_to_one_record_never_lose_or_half_write_anything()
    {
        var id = await RegisterPractitioner();
        var statuses = await Task.WhenAll(Enumerable.Range(0, 16).Select(i => Host.Scenario(s =>
        {
            s.WithBearerToken(AdminToken);
            s.Post.Json(new
            {
                title = $"Side role {i}", roleFamily = "specialist", specialism = "other", employmentType = "contract",
                organisation = "Acme", industry = "Tech", officeType = "project", startedOn = Today.AddDays(-i), concurrent = true
            }).ToUrl($"/api/practitioners/{id}/roles");
            s.IgnoreStatusCode();
        }).ContinueWith(t => t.Result.Context.Response.StatusCode)));

        statuses.ShouldAllBe(s => s == 204 || s == 409);
        statuses.ShouldContain(204);
        var timeline = await Get<JsonElement>($"/api/practitioners/{id}/timeline");
        timeline.GetProperty("entries").EnumerateArray().Count(e => e.Str("kind") == "role-changed")
            .ShouldBe(statuses.Count(s => s == 204));
        (await Get<JsonElement>($"/api/practitioners/{id}")).GetProperty("version").GetInt32().ShouldBe(await EventCountFor(id));
    }

    [Fact]
    public async Task a_conflicting_concurrent_write_is_409_problem()
    {
        var id = await RegisterPractitioner();
        // Retry a few rounds: each round races 8 writers at one stream version.
        for (var round = 0; round < 5; round++)
        {
            var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => Host.Scenario(s =>
            {
                s.WithBearerToken(AdminToken);
                s.Post.Json(new
                {
                    title = "x", roleFamily = "analyst", employmentType = "contract", organisation = "A", industry = "B",
                    officeType = "project", startedOn = Today.AddDays(-i - round * 10), concurrent = true
                }).ToUrl($"/api/practitioners/{id}/roles");
                s.IgnoreStatusCode();
            })));
            var conflict = results.FirstOrDefault(r => r.Context.Response.StatusCode == 409);
            if (conflict is null) continue;
            conflict.Context.Response.ContentType.ShouldBe("application/problem+json");
            (await conflict.ReadAsTextAsync()).ShouldContain("changed by another request");
            return;
        }
        throw new ShouldAssertException("No round of 8 concurrent writers produced a 409.");
    }
}
