using System.Text.Json;
using Alba;
using PmoLedger.Features.Practitioners;

namespace PmoLedger.Tests.Features.Plan;

public class PlanScenarioTests(AppFixture fixture) : ProgressionContext(fixture)
{
    private async Task<Guid> SetGoal(Guid id, string dimension, DateOnly targetDate, string description = "Lead a portfolio review",
        string? targetRoleFamily = null, string? targetLevel = null)
    {
        var result = await As(PractitionerToken(id), s =>
        {
            s.Post.Json(new { dimension, description, targetRoleFamily, targetLevel, targetDate }).ToUrl($"/api/practitioners/{id}/goals");
            s.StatusCodeShouldBe(201);
        });
        return (await result.Json()).GetProperty("goalId").GetGuid();
    }

    private Task<IScenarioResult> Achieve(Guid id, Guid goalId, object evidence, int status, string? token = null) =>
        As(token ?? PractitionerToken(id), s =>
        {
            s.Post.Json(new { evidence }).ToUrl($"/api/practitioners/{id}/goals/{goalId}/achieve");
            s.StatusCodeShouldBe(status);
        });

    private Task<JsonElement> Plan(Guid id) => Get<JsonElement>($"/api/practitioners/{id}/plan");

    private static JsonElement Goal(JsonElement plan, Guid goalId) =>
        plan.GetProperty("goals").EnumerateArray().Single(g => g.GetProperty("goalId").GetGuid() == goalId);

    [Fact]
    public async Task a_goal_is_open_then_overdue_after_its_target_date()
    {
        Today(new DateOnly(2026, 6, 1));
        var id = await RegisterPractitioner();
        var goalId = await SetGoal(id, "competency", new DateOnly(2026, 12, 31), "Become a PMO manager", "manager", "managing");

        var goal = Goal(await Plan(id), goalId);
        goal.Str("status").ShouldBe("open");
        goal.Str("dimension").ShouldBe("competency");
        goal.Str("targetRoleFamily").ShouldBe("manager");
        goal.Str("targetLevel").ShouldBe("managing");
        goal.Str("targetDate").ShouldBe("2026-12-31");

        Today(new DateOnly(2026, 12, 31));
        Goal(await Plan(id), goalId).Str("status").ShouldBe("open");
        Today(new DateOnly(2027, 1, 1));
        Goal(await Plan(id), goalId).Str("status").ShouldBe("overdue");
        (await Plan(id)).GetProperty("dimensions").GetProperty("competency").GetProperty("overdue").GetInt32().ShouldBe(1);

        var entry = Entries(await TimelineOf(id), "goal-set").Single();
        entry.Str("summary").ShouldBe("Set a competency goal for 2026-12-31: Become a PMO manager");
        entry.GetProperty("ref").GetGuid().ShouldBe(goalId);
    }

    [Fact]
    public async Task achieving_with_evidence_on_record_marks_the_goal_achieved()
    {
        var id = await RegisterPractitioner();
        await ChangeRole(id, "analyst", Clock.Today.AddYears(-1), title: "PMO Analyst");
        var roleId = Entries(await TimelineOf(id), "role-changed").Single().GetProperty("ref").GetGuid();
        var goalId = await SetGoal(id, "experience", Clock.Today.AddMonths(6), "A year in a programme office");

        await Achieve(id, goalId, new { kind = "role", id = roleId }, 204);

        var goal = Goal(await Plan(id), goalId);
        goal.Str("status").ShouldBe("achieved");
        goal.Str("achievedOn").ShouldBe(Clock.Today.ToString("yyyy-MM-dd"));
        goal.GetProperty("evidence").Str("kind").ShouldBe("role");
        goal.GetProperty("evidence").Str("title").ShouldBe("PMO Analyst at Acme");

        var entry = Entries(await TimelineOf(id), "goal-achieved").Single();
        entry.Str("summary").ShouldBe("Achieved the goal \"A year in a programme office\", shown by a role on record.");
        entry.GetProperty("ref").GetGuid().ShouldBe(goalId);
    }

    [Fact]
    public async Task every_kind_of_evidence_on_record_is_accepted()
    {
        var id = await RegisterPractitioner();
        var certificationId = await Award(id, "P3O-F", Clock.Today);
        var activityId = await LogCpd(id, "professional-education", 2, Clock.Today);
        var completionId = await AppendCompletion(id, "PMO-101", Clock.Today, 7);

        foreach (var (kind, evidenceId) in new[] { ("certification", certificationId), ("cpd-activity", activityId), ("completion", completionId) })
        {
            var goalId = await SetGoal(id, "formal-training", Clock.Today.AddMonths(3));
            await Achieve(id, goalId, new { kind, id = evidenceId }, 204);
        }
        (await Plan(id)).GetProperty("goals").EnumerateArray().ShouldAllBe(g => g.Str("status") == "achieved");
    }

    [Fact]
    public async Task evidence_on_record_is_grouped_by_dimension()
    {
        var id = await RegisterPractitioner();
        await ChangeRole(id, "analyst", Clock.Today.AddYears(-1), title: "PMO Analyst");
        await Award(id, "P3O-F", Clock.Today, name: "P3O Foundation");
        await LogCpd(id, "professional-experience", 2, Clock.Today, "Ran a lessons-learned session");
        await LogCpd(id, "community", 1, Clock.Today, "Mentored a colleague");
        await AppendCompletion(id, "PMO-101", Clock.Today, 7, title: "PMO Fundamentals");
        var revoked = await AppendCompletion(id, "PMO-102", Clock.Today, 7, title: "Withdrawn course");
        await RevokeCompletion(id, revoked);

        var dimensions = (await Plan(id)).GetProperty("dimensions");
        string[] Titles(string dimension) =>
            dimensions.GetProperty(dimension).GetProperty("evidence").EnumerateArray().Select(e => e.Str("title")).Order().ToArray();

        Titles("knowledge").ShouldBe(["PMO Fundamentals"]);
        Titles("experience").ShouldBe(["PMO Analyst at Acme", "Ran a lessons-learned session"]);
        Titles("skills").ShouldBe(["Mentored a colleague", "Ran a lessons-learned session"]);
        Titles("competency").ShouldBe(["Mentored a colleague", "P3O Foundation (P3O-F)"]);
        Titles("formal-training").ShouldBe(["P3O Foundation (P3O-F)", "PMO Fundamentals"]);
    }

    [Fact]
    public async Task evidence_not_on_the_record_is_400()
    {
        var id = await RegisterPractitioner();
        var other = await RegisterPractitioner();
        var othersActivity = await LogCpd(other, "community", 1, Clock.Today);
        var revoked = await AppendCompletion(id, "PMO-101", Clock.Today, 3);
        await RevokeCompletion(id, revoked);
        var goalId = await SetGoal(id, "knowledge", Clock.Today.AddMonths(1));

        foreach (var evidence in new object[]
                 {
                     new { kind = "cpd-activity", id = othersActivity },
                     new { kind = "completion", id = revoked },
                     new { kind = "role", id = Guid.NewGuid() },
                     new { kind = "certification", id = Guid.NewGuid() }
                 })
        {
            var result = await Achieve(id, goalId, evidence, 400);
            (await result.Json()).GetProperty("errors").TryGetProperty("evidence.id", out _).ShouldBeTrue();
        }
        Goal(await Plan(id), goalId).Str("status").ShouldBe("open");
    }

    [Fact]
    public async Task achieving_an_unknown_goal_is_404_and_an_achieved_one_409()
    {
        var id = await RegisterPractitioner();
        var activityId = await LogCpd(id, "community", 1, Clock.Today);
        var goalId = await SetGoal(id, "skills", Clock.Today.AddMonths(1));

        await Achieve(id, Guid.NewGuid(), new { kind = "cpd-activity", id = activityId }, 404);
        await Achieve(id, goalId, new { kind = "cpd-activity", id = activityId }, 204);
        await Achieve(id, goalId, new { kind = "cpd-activity", id = activityId }, 409);
        Entries(await TimelineOf(id), "goal-achieved").Count().ShouldBe(1);
    }

    [Fact]
    public async Task goals_are_the_practitioners_own()
    {
        var id = await RegisterPractitioner();
        var other = await RegisterPractitioner();
        var goalId = await SetGoal(id, "skills", Clock.Today.AddMonths(1));
        var activityId = await LogCpd(id, "community", 1, Clock.Today);

        foreach (var token in new[] { PractitionerToken(other), AdminToken, AuditorToken })
        {
            await As(token, s =>
            {
                s.Post.Json(new { dimension = "skills", description = "X", targetDate = Clock.Today }).ToUrl($"/api/practitioners/{id}/goals");
                s.StatusCodeShouldBe(403);
            });
            await Achieve(id, goalId, new { kind = "cpd-activity", id = activityId }, 403, token);
        }
        await As(PractitionerToken(other), s =>
        {
            s.Get.Url($"/api/practitioners/{id}/plan");
            s.StatusCodeShouldBe(403);
        });
        foreach (var token in new[] { AdminToken, AuditorToken, PractitionerToken(id) })
            await As(token, s => s.Get.Url($"/api/practitioners/{id}/plan"));
    }

    [Fact]
    public async Task unknown_practitioners_are_404()
    {
        var ghost = Guid.NewGuid();
        await As(PractitionerToken(ghost), s =>
        {
            s.Post.Json(new { dimension = "skills", description = "X", targetDate = Clock.Today }).ToUrl($"/api/practitioners/{ghost}/goals");
            s.StatusCodeShouldBe(404);
        });
        await As(PractitionerToken(ghost), s =>
        {
            s.Post.Json(new { evidence = new { kind = "role", id = Guid.NewGuid() } })
                .ToUrl($"/api/practitioners/{ghost}/goals/{Guid.NewGuid()}/achieve");
            s.StatusCodeShouldBe(404);
        });
        await As(AdminToken, s =>
        {
            s.Get.Url($"/api/practitioners/{ghost}/plan");
            s.StatusCodeShouldBe(404);
            s.ContentTypeShouldBe("application/problem+json");
        });
    }

    [Theory]
    [InlineData("""{"description":"D","targetDate":"2099-01-01"}""", "dimension")]
    [InlineData("""{"dimension":"wisdom","description":"D","targetDate":"2099-01-01"}""", "dimension")]
    [InlineData("""{"dimension":"skills","targetDate":"2099-01-01"}""", "description")]
    [InlineData("""{"dimension":"skills","description":"D"}""", "targetDate")]
    [InlineData("""{"dimension":"skills","description":"D","targetDate":"2001-01-01"}""", "targetDate")]
    [InlineData("""{"dimension":"skills","description":"D","targetDate":"soon"}""", "targetDate")]
    [InlineData("""{"dimension":"skills","description":"D","targetDate":"2099-01-01","targetRoleFamily":"ceo"}""", "targetRoleFamily")]
    [InlineData("""{"dimension":"skills","description":"D","targetDate":"2099-01-01","targetLevel":"expert"}""", "targetLevel")]
    [InlineData("""{"dimension":["skills"],"description":"D","targetDate":"2099-01-01"}""", "dimension")]
    public async Task invalid_goals_are_400_naming_the_field(string body, string field)
    {
        var id = await RegisterPractitioner();
        await ShouldBeBadRequest(PractitionerToken(id), $"/api/practitioners/{id}/goals", body, field);
        (await EventCount()).ShouldBe(1);
    }

    [Theory]
    [InlineData("""{}""", "evidence")]
    [InlineData("""{"evidence":{"id":"0193a1c2-0000-7000-8000-000000000001"}}""", "evidence.kind")]
    [InlineData("""{"evidence":{"kind":"diploma","id":"0193a1c2-0000-7000-8000-000000000001"}}""", "evidence.kind")]
    [InlineData("""{"evidence":{"kind":"role"}}""", "evidence.id")]
    [InlineData("""{"evidence":{"kind":"role","id":"not-a-guid"}}""", "evidence.id")]
    public async Task invalid_achievements_are_400_naming_the_field(string body, string field)
    {
        var id = await RegisterPractitioner();
        var goalId = await SetGoal(id, "skills", Clock.Today.AddMonths(1));
        await ShouldBeBadRequest(PractitionerToken(id), $"/api/practitioners/{id}/goals/{goalId}/achieve", body, field);
    }
}
