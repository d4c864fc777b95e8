using PmoLedger.Features.Practitioners;
using System.Text.Json;
using Alba;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using PmoLedger.Features.Completions;
using PmoLedger.Tests.Features.Providers;
using PmoLedger.Infrastructure;

namespace PmoLedger.Tests.Features.Completions;

public class CompletingTrainingTests(AppFixture fixture) : ProviderContext(fixture)
{
    [Fact]
    public async Task a_completion_is_recorded_and_answers_201_with_its_id()
    {
        var provider = await RegisterProvider("PMO Academy");
        var id = await RegisterPractitioner();

        var result = await WithKey(provider.ApiKey, s =>
        {
            s.Post.Json(Completion(evidenceUrl: "https://pmo.academy/certificates/77")).ToUrl($"/api/practitioners/{id}/completions");
            s.WithRequestHeader("X-Correlation-ID", "upload-2026-03-02-a");
            s.StatusCodeShouldBe(201);
        });
        var completionId = (await result.Json()).GetProperty("completionId").GetGuid();

        await using var session = Store.QuerySession();
        var events = await session.Events.FetchStreamAsync(id);
        var recorded = events.Last();
        var data = recorded.Data.ShouldBeOfType<TrainingCompleted>();
        data.CompletionId.ShouldBe(completionId);
        data.ProviderId.ShouldBe(provider.Id);
        data.ProviderName.ShouldBe("PMO Academy");
        data.CourseCode.ShouldBe("PMO-101");
        data.Score.ShouldBe(0.85m);
        data.CpdPoints.ShouldBe(7m);
        data.EvidenceUrl!.Text.ShouldBe("https://pmo.academy/certificates/77");
        recorded.UserName.ShouldBe($"provider:{provider.Id}");
        recorded.CorrelationId.ShouldBe("upload-2026-03-02-a");
    }

    [Fact]
    public async Task the_completion_shows_on_the_timeline_and_counts_on_the_profile()
    {
        var provider = await RegisterProvider("PMO Academy");
        var id = await RegisterPractitioner();
        var completionId = await Complete(provider.ApiKey, id, Completion(completedOn: Clock.Today.AddDays(-3).ToString("yyyy-MM-dd")));

        var timeline = await Get<JsonElement>($"/api/practitioners/{id}/timeline");
        var entry = timeline.GetProperty("entries").EnumerateArray().Single(e => e.Str("kind") == "training-completed");
        entry.Str("summary").ShouldBe("Completed PMO-101 'Intro to P3O' with PMO Academy (passed, 7 CPD points).");
        entry.GetProperty("ref").GetGuid().ShouldBe(completionId);
        entry.Str("status").ShouldBe("active");
        entry.Str("occurredOn").ShouldBe(Clock.Today.AddDays(-3).ToString("yyyy-MM-dd"));

        var profile = await Get<JsonElement>($"/api/practitioners/{id}");
        profile.GetProperty("completions").GetInt32().ShouldBe(1);
        profile.GetProperty("version").GetInt32().ShouldBe(2);
    }

    [Fact]
    public async Task the_same_body_again_answers_200_with_the_same_id_and_records_nothing()
    {
        var provider = await RegisterProvider();
        var id = await RegisterPractitioner();
        var first = await Complete(provider.ApiKey, id, Completion());
        var before = await EventCount();

        // Same completion, written differently: 7.0 points and padded strings are the same body.
        var again = await PostCompletion(provider.ApiKey, id,
            new { providerReference = "ref-1", course = new { code = " PMO-101", title = "Intro to P3O " }, completedOn = "2026-01-15",
                outcome = "passed", score = 0.850m, cpdPoints = 7.0m }, 200);

        (await again.Json()).GetProperty("completionId").GetGuid().ShouldBe(first);
        (await EventCount()).ShouldBe(before);
    }

    [Fact]
    public async Task a_different_body_with_the_same_reference_is_409()
    {
        var provider = await RegisterProvider();
        var id = await RegisterPractitioner();
        await Complete(provider.ApiKey, id, Completion());
        var before = await EventCount();

        var result = await PostCompletion(provider.ApiKey, id, Completion(outcome: "failed"), 409);
        (await result.ReadAsTextAsync()).ShouldContain("ref-1");

        // The same reference for another practitioner is another body too.
        var other = await RegisterPractitioner();
        await PostCompletion(provider.ApiKey, other, Completion(), 409);
        (await EventCount()).ShouldBe(before + 1);   // only the second registration
    }

    [Fact]
    public async Task references_belong_to_each_provider()
    {
        var academy = await RegisterProvider("PMO Academy");
        var partners = await RegisterProvider("Axelos Learning Partners");
        var id = await RegisterPractitioner();

        var a = await Complete(academy.ApiKey, id, Completion());
        var b = await Complete(partners.ApiKey, id, Completion());
        a.ShouldNotBe(b);
    }

    [Fact]
    public async Task twenty_identical_posts_at_once_record_exactly_one_completion()
    {
        var provider = await RegisterProvider();
        var id = await RegisterPractitioner();
        var before = await EventCount();
        Logs.Clear();

        var answers = await AllAtOnce(20, _ => s =>
        {
            s.WithRequestHeader("X-Api-Key", provider.ApiKey);
            s.Post.Json(Completion("same-ref")).ToUrl($"/api/practitioners/{id}/completions");
        });

        answers.Select(a => a.Status).ShouldAllBe(s => s == 200 || s == 201, string.Join(" | ", answers.Select(a => a.Body)));
        answers.Count(a => a.Status == 201).ShouldBe(1);
        // A lost race is retried, not a failure: nothing an operator has to look at.
        Logs.AtLeast(Serilog.Events.LogEventLevel.Warning).Select(e => e.RenderMessage()).ShouldBeEmpty();
        answers.Select(a => Parse(a.Body).GetProperty("completionId").GetGuid()).Distinct().Count().ShouldBe(1);
        (await EventCount()).ShouldBe(before + 1);

        var profile = await Get<JsonElement>($"/api/practitioners/{id}");
        profile.GetProperty("completions").GetInt32().ShouldBe(1);
    }

    [Fact]
    public async Task twenty_different_references_at_once_for_one_practitioner_all_succeed()
    {
        var provider = await RegisterProvider();
        var id = await RegisterPractitioner();
        var before = await EventCount();

        var answers = await AllAtOnce(20, i => s =>
        {
            s.WithRequestHeader("X-Api-Key", provider.ApiKey);
            s.Post.Json(Completion($"ref-{i}")).ToUrl($"/api/practitioners/{id}/completions");
        });

        answers.Select(a => a.Status).ShouldAllBe(s => s == 201, string.Join(" | ", answers.Select(a => a.Body)));
        (await EventCount()).ShouldBe(before + 20);
        (await Get<JsonElement>($"/api/practitioners/{id}")).GetProperty("completions").GetInt32().ShouldBe(20);

        // The inline snapshot saw every append: a rebuild from events agrees with it.
        await using var session = Store.QuerySession();
        var snapshot = await session.LoadAsync<PmoLedger.Features.Practitioners.Practitioner>(id);
        var rebuilt = await session.Events.AggregateStreamAsync<PmoLedger.Features.Practitioners.Practitioner>(id);
        snapshot!.Completions.Count().ShouldBe(20);
        rebuilt!.Completions.Count().ShouldBe(20);
    }

    [Fact]
    public async Task an_unknown_practitioner_is_404()
    {
        var provider = await RegisterProvider();
        await PostCompletion(provider.ApiKey, Guid.NewGuid(), Completion(), 404);
        (await EventCount()).ShouldBe(2);
    }

    [Fact]
    public async Task only_providers_post_completions()
    {
        var id = await RegisterPractitioner();
        foreach (var token in new[] { AdminToken, AuditorToken, PractitionerToken(id) })
        {
            await As(token, s =>
            {
                s.Post.Json(Completion()).ToUrl($"/api/practitioners/{id}/completions");
                s.StatusCodeShouldBe(403);
            });
        }
        await Host.Scenario(s =>
        {
            s.Post.Json(Completion()).ToUrl($"/api/practitioners/{id}/completions");
            s.StatusCodeShouldBe(401);
        });
    }

    // The rules behind each field are unit tests (CompletionRulesTests); these show them end to end,
    // including values the JSON reader itself refuses.
    public static TheoryData<string, string> InvalidBodies => new()
    {
        { """{"providerReference":"r","course":{"code":"PMO-101","title":"Intro"},"completedOn":"15/01/2026","outcome":"passed"}""", "completedOn" },
        { """{"providerReference":"r","course":{"code":"PMO-101","title":"Intro"},"completedOn":"2026-01-15","outcome":"aced"}""", "outcome" },
        { """{"providerReference":"r","course":{"code":"PMO-101","title":"Intro"},"completedOn":"2026-01-15","outcome":"passed","score":"high"}""", "score" },
        { """{"providerReference":"r","course":{"code":"PMO-101","title":"Intro"},"completedOn":"2026-01-15","outcome":"passed","cpdPoints":1e40}""", "cpdPoints" },
    };

    [Theory]
    [MemberData(nameof(InvalidBodies))]
    public async Task invalid_completions_are_400_naming_the_field(string body, string field)
    {
        var provider = await RegisterProvider();
        var id = await RegisterPractitioner();
        var before = await EventCount();

        var result = await WithKey(provider.ApiKey, s =>
        {
            s.Post.Text(body).ToUrl($"/api/practitioners/{id}/completions");
            s.WithRequestHeader("Content-Type", "application/json");
            s.StatusCodeShouldBe(400);
            s.ContentTypeShouldBe("application/problem+json");
        });
        var problem = await result.Json();
        problem.GetProperty("errors").TryGetProperty(field, out _).ShouldBeTrue(problem.ToString());
        (await EventCount()).ShouldBe(before);
    }

    [Fact]
    public async Task a_reference_longer_than_200_characters_is_400()
    {
        var provider = await RegisterProvider();
        var id = await RegisterPractitioner();
        var result = await PostCompletion(provider.ApiKey, id, Completion(new string('r', 201)), 400);
        (await result.Json()).GetProperty("errors").TryGetProperty("providerReference", out _).ShouldBeTrue();
    }

    [Fact]
    public async Task a_completion_today_without_score_or_points_is_accepted_with_zero_points()
    {
        var provider = await RegisterProvider();
        var id = await RegisterPractitioner();
        await PostCompletion(provider.ApiKey, id, new
        {
            providerReference = "no-score", course = new { code = "PMO-200", title = "Portfolio basics" },
            completedOn = Clock.Today.ToString("yyyy-MM-dd"), outcome = "attended"
        });
        var timeline = await Get<JsonElement>($"/api/practitioners/{id}/timeline");
        timeline.GetProperty("entries").EnumerateArray().Last().Str("summary")
            .ShouldBe("Completed PMO-200 'Portfolio basics' with PMO Academy (attended, 0 CPD points).");
    }

    [Fact]
    public async Task malformed_json_is_400()
    {
        var provider = await RegisterProvider();
        var id = await RegisterPractitioner();
        await WithKey(provider.ApiKey, s =>
        {
            s.Post.Text("{\"providerReference\": ").ToUrl($"/api/practitioners/{id}/completions");
            s.WithRequestHeader("Content-Type", "application/json");
            s.StatusCodeShouldBe(400);
            s.ContentTypeShouldBe("application/problem+json");
        });
    }
}

public class ProviderIdentityTests(AppFixture fixture) : ProviderContext(fixture)
{
    [Fact]
    public async Task a_token_with_the_provider_role_but_no_provider_id_is_403_not_a_failure()
    {
        var id = await RegisterPractitioner();
        var token = Host.Services.GetRequiredService<PmoLedger.Infrastructure.AuthSettings>()
            .Mint(PmoLedger.Infrastructure.Roles.Provider, null, "someone", DateTimeOffset.UtcNow);
        await As(token, s =>
        {
            s.Post.Json(Completion()).ToUrl($"/api/practitioners/{id}/completions");
            s.StatusCodeShouldBe(403);
        });
        await As(token, s =>
        {
            s.Post.Json(new { items = Array.Empty<object>() }).ToUrl("/api/completions/batch");
            s.StatusCodeShouldBe(403);
        });
        await As(token, s =>
        {
            s.Post.Json(new { reason = "x" }).ToUrl($"/api/completions/{Guid.NewGuid()}/revoke");
            s.StatusCodeShouldBe(403);
        });
    }
}
