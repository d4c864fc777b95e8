using System.Text.Json;
using Alba;

namespace PmoLedger.Tests.Features.Audit;

public class EventHistoryTests(AppFixture fixture) : AuditContext(fixture)
{
    [Fact]
    public async Task the_history_lists_every_event_in_order_with_both_times_who_and_under_which_request()
    {
        var id = await RegisterPractitioner("Ada Lovelace");
        var startedOn = Clock.Today.AddYears(-1);
        await As(AdminToken, s =>
        {
            s.WithRequestHeader("X-Correlation-ID", "audit-test-42");
            s.Post.Json(new
            {
                title = "PMO Analyst", roleFamily = "analyst", employmentType = "permanent", organisation = "Acme",
                industry = "Technology", officeType = "programme", startedOn
            }).ToUrl($"/api/practitioners/{id}/roles");
            s.StatusCodeShouldBe(204);
        });

        var events = (await Audit($"/api/audit/practitioners/{id}/events")).EnumerateArray().ToList();

        // The level reached earns its credential straight after, under the same request (credentials.md).
        events.Select(e => e.Str("type")).ShouldBe(["practitioner_registered", "role_started", "career_level_reached", "credential_issued"]);
        events.Select(e => e.GetProperty("version").GetInt64()).ShouldBe([1L, 2L, 3L, 4L]);
        events[3].Str("correlationId").ShouldBe("audit-test-42");
        events.Select(e => e.GetProperty("sequence").GetInt64()).ShouldBeInOrder(SortDirection.Ascending);
        events.ShouldAllBe(e => e.Str("recordedBy") == "admin@test");
        events.ShouldAllBe(e => e.Str("streamId") == id.ToString());

        var role = events[1];
        role.Str("occurredOn").ShouldBe(startedOn.ToString("yyyy-MM-dd"));
        role.Str("correlationId").ShouldBe("audit-test-42");
        role.GetProperty("data").Str("title").ShouldBe("PMO Analyst");
        role.GetProperty("data").Str("roleFamily").ShouldBe("analyst");
        DateTimeOffset.Parse(role.Str("recordedAt")).ShouldBe(Clock.GetUtcNow(), TimeSpan.FromMinutes(1));

        // The registration went through without a header: its correlation id is the request's trace id.
        events[0].Str("correlationId").ShouldNotBeNullOrWhiteSpace();
        events[0].Str("correlationId").ShouldNotBe("audit-test-42");
    }

    [Fact]
    public async Task an_event_caused_by_a_provider_key_is_recorded_as_that_provider()
    {
        var provider = await As(AdminToken, s =>
        {
            s.Post.Json(new { name = "PMO Academy" }).ToUrl("/api/providers");
            s.StatusCodeShouldBe(201);
        });
        var created = await provider.Json();

        var result = await Host.Scenario(s =>
        {
            s.WithRequestHeader("X-Api-Key", created.Str("apiKey"));
            s.WithRequestHeader("X-Correlation-ID", "batch-7");
            s.Post.Json(new { fullName = "Tom Okafor", email = "tom@example.org" }).ToUrl("/api/practitioners");
            s.StatusCodeShouldBe(201);
        });
        var id = (await result.Json()).Str("id");

        var registered = (await Audit($"/api/audit/practitioners/{id}/events"))[0];
        registered.Str("recordedBy").ShouldBe($"provider:{created.Str("id")}");
        registered.Str("correlationId").ShouldBe("batch-7");
    }

    [Fact]
    public async Task without_a_header_the_events_carry_the_correlation_id_the_response_announced()
    {
        var result = await As(AdminToken, s =>
        {
            s.Post.Json(new { fullName = "Grace Hopper", email = "grace@example.org" }).ToUrl("/api/practitioners");
            s.StatusCodeShouldBe(201);
        });
        var announced = result.Context.Response.Headers["X-Correlation-ID"].ToString();
        var id = (await result.Json()).Str("id");

        announced.ShouldNotBeNullOrWhiteSpace();
        (await Audit($"/api/audit/practitioners/{id}/events"))[0].Str("correlationId").ShouldBe(announced);
    }

    [Fact]
    public async Task an_unknown_practitioner_is_404()
    {
        await AuditProblem($"/api/audit/practitioners/{Guid.NewGuid()}/events", 404);
    }

    [Fact]
    public async Task a_provider_stream_is_not_a_practitioner_and_is_404()
    {
        var provider = await As(AdminToken, s =>
        {
            s.Post.Json(new { name = "Axelos Learning Partners" }).ToUrl("/api/providers");
            s.StatusCodeShouldBe(201);
        });
        var providerId = (await provider.Json()).Str("id");

        await AuditProblem($"/api/audit/practitioners/{providerId}/events", 404);
    }

    [Fact]
    public async Task event_timestamps_come_from_the_application_clock()
    {
        Clock.Offset = TimeSpan.FromDays(-400);
        var id = await RegisterPractitioner();

        var registered = (await Audit($"/api/audit/practitioners/{id}/events"))[0];
        DateTimeOffset.Parse(registered.Str("recordedAt")).ShouldBe(Clock.GetUtcNow(), TimeSpan.FromMinutes(1));
    }
}
