using PmoLedger.Features.Practitioners;
using System.Text.Json;
using Alba;
using Marten;
using PmoLedger.Features.Completions;
using PmoLedger.Tests.Features.Providers;

namespace PmoLedger.Tests.Features.Completions;

public class RevokingCompletionsTests(AppFixture fixture) : ProviderContext(fixture)
{
    private Task<IScenarioResult> Revoke(string apiKey, Guid completionId, object body, int status = 204) => WithKey(apiKey, s =>
    {
        s.Post.Json(body).ToUrl($"/api/completions/{completionId}/revoke");
        s.StatusCodeShouldBe(status);
    });

    [Fact]
    public async Task a_revoked_completion_stays_on_the_timeline_marked_revoked_and_stops_counting()
    {
        var provider = await RegisterProvider();
        var ada = await RegisterPractitioner();
        var kept = await Complete(provider.ApiKey, ada, Completion("keep"));
        var revoked = await Complete(provider.ApiKey, ada, Completion("drop", code: "PMO-102"));

        await Revoke(provider.ApiKey, revoked, new { reason = "Posted for the wrong learner" });

        var entries = (await Get<JsonElement>($"/api/practitioners/{ada}/timeline")).GetProperty("entries").EnumerateArray()
            .Where(e => e.Str("kind") == "training-completed").ToList();
        entries.Single(e => e.GetProperty("ref").GetGuid() == revoked).Str("status").ShouldBe("revoked");
        entries.Single(e => e.GetProperty("ref").GetGuid() == kept).Str("status").ShouldBe("active");
        (await Get<JsonElement>($"/api/practitioners/{ada}")).GetProperty("completions").GetInt32().ShouldBe(1);

        await using var session = Store.QuerySession();
        var last = (await session.Events.FetchStreamAsync(ada)).Last();
        var data = last.Data.ShouldBeOfType<CompletionRevoked>();
        data.Reason.ShouldBe("Posted for the wrong learner");
        data.ProviderId.ShouldBe(provider.Id);
        data.RevokedOn.ShouldBe(Clock.Today);
        last.UserName.ShouldBe($"provider:{provider.Id}");
        (await session.LoadAsync<PmoLedger.Features.Practitioners.Practitioner>(ada))!
            .Completions.Single(c => c.Id == revoked).Revoked.ShouldBeTrue();
    }

    [Fact]
    public async Task revoking_twice_changes_nothing()
    {
        var provider = await RegisterProvider();
        var ada = await RegisterPractitioner();
        var id = await Complete(provider.ApiKey, ada, Completion());
        await Revoke(provider.ApiKey, id, new { reason = "Duplicate of another posting" });
        var count = await EventCount();

        await Revoke(provider.ApiKey, id, new { reason = "Again" });
        (await EventCount()).ShouldBe(count);
        (await Get<JsonElement>($"/api/practitioners/{ada}")).GetProperty("completions").GetInt32().ShouldBe(0);
    }

    [Fact]
    public async Task retries_of_one_revocation_at_once_all_succeed_and_record_it_once()
    {
        var provider = await RegisterProvider();
        var ada = await RegisterPractitioner();
        var id = await Complete(provider.ApiKey, ada, Completion());
        var before = await EventCountFor(ada);

        var answers = await AllAtOnce(8, _ => s =>
        {
            s.WithRequestHeader("X-Api-Key", provider.ApiKey);
            s.Post.Json(new { reason = "Posted twice by our LMS" }).ToUrl($"/api/completions/{id}/revoke");
        });

        answers.Select(a => a.Status).ShouldAllBe(status => status == 204);
        (await EventCountFor(ada)).ShouldBe(before + 1);
    }

    [Fact]
    public async Task reposting_a_revoked_completion_is_a_replay_not_a_new_one()
    {
        var provider = await RegisterProvider();
        var ada = await RegisterPractitioner();
        var id = await Complete(provider.ApiKey, ada, Completion());
        await Revoke(provider.ApiKey, id, new { reason = "Withdrawn" });

        var again = await PostCompletion(provider.ApiKey, ada, Completion(), 200);
        (await again.Json()).GetProperty("completionId").GetGuid().ShouldBe(id);
        (await Get<JsonElement>($"/api/practitioners/{ada}")).GetProperty("completions").GetInt32().ShouldBe(0);
    }

    [Fact]
    public async Task another_provider_may_not_revoke_it()
    {
        var academy = await RegisterProvider("PMO Academy");
        var rival = await RegisterProvider("Rival Training");
        var ada = await RegisterPractitioner();
        var id = await Complete(academy.ApiKey, ada, Completion());
        var count = await EventCount();

        await Revoke(rival.ApiKey, id, new { reason = "Not ours but let us try" }, 403);
        (await EventCount()).ShouldBe(count);
    }

    [Fact]
    public async Task staff_may_not_revoke_completions()
    {
        var provider = await RegisterProvider();
        var ada = await RegisterPractitioner();
        var id = await Complete(provider.ApiKey, ada, Completion());
        foreach (var token in new[] { AdminToken, AuditorToken, PractitionerToken(ada) })
        {
            await As(token, s =>
            {
                s.Post.Json(new { reason = "Because" }).ToUrl($"/api/completions/{id}/revoke");
                s.StatusCodeShouldBe(403);
            });
        }
    }

    [Fact]
    public async Task an_unknown_completion_is_404()
    {
        var provider = await RegisterProvider();
        await Revoke(provider.ApiKey, Guid.NewGuid(), new { reason = "Who knows" }, 404);
    }

    [Theory]
    [InlineData("{}")]
    [InlineData("{\"reason\":\"  \"}")]
    [InlineData("{\"reason\":42}")]
    public async Task a_reason_is_required(string body)
    {
        var provider = await RegisterProvider();
        var ada = await RegisterPractitioner();
        var id = await Complete(provider.ApiKey, ada, Completion());
        var result = await WithKey(provider.ApiKey, s =>
        {
            s.Post.Text(body).ToUrl($"/api/completions/{id}/revoke");
            s.WithRequestHeader("Content-Type", "application/json");
            s.StatusCodeShouldBe(400);
        });
        (await result.Json()).GetProperty("errors").TryGetProperty("reason", out _).ShouldBeTrue();
    }

    [Fact]
    public void the_decision_records_a_revocation_only_for_an_active_completion()
    {
        var id = Guid.NewGuid();
        var practitioner = new PmoLedger.Features.Practitioners.Practitioner().Then([new TrainingCompleted(id, Guid.NewGuid(), "P", "r", "C", "T",
            new DateOnly(2026, 1, 1), PmoLedger.Features.Practitioners.TrainingOutcome.Passed, null, 1, null)]);
        var today = new DateOnly(2026, 2, 1);

        var revoked = RevokeCompletionEndpoint.Decide(practitioner, id, Guid.NewGuid(), " wrong learner ", today);
        revoked.ShouldNotBeNull().Reason.ShouldBe("wrong learner");

        practitioner = practitioner.Then([revoked]);
        RevokeCompletionEndpoint.Decide(practitioner, id, Guid.NewGuid(), "again", today).ShouldBeNull();
        RevokeCompletionEndpoint.Decide(practitioner, Guid.NewGuid(), Guid.NewGuid(), "unknown", today).ShouldBeNull();
    }
}
