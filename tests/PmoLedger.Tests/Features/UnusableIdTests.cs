using System.Text.Json;
using Alba;
using PmoLedger.Tests.Features.Providers;

namespace PmoLedger.Tests.Features;

/// <summary>The all-zero id names nobody: a 404 like any unknown id, never a 500.</summary>
public class UnusableIdTests(AppFixture fixture) : ProviderContext(fixture)
{
    private static readonly Guid Zero = Guid.Empty;

    [Theory]
    [InlineData("roles", """{"title":"PMO Analyst","roleFamily":"analyst","employmentType":"permanent","organisation":"Acme","industry":"Energy","officeType":"project","startedOn":"2020-01-06"}""")]
    [InlineData("roles/end", """{"endedOn":"2020-01-06"}""")]
    [InlineData("certifications", """{"code":"P3O","name":"P3O Foundation","awardedOn":"2024-01-10","certificateNumber":"GR-1"}""")]
    public async Task a_write_to_the_zero_practitioner_is_404(string route, string body)
    {
        var result = await As(AdminToken, s =>
        {
            s.Post.Text(body).ToUrl($"/api/practitioners/{Zero}/{route}");
            s.WithRequestHeader("Content-Type", "application/json");
            s.StatusCodeShouldBe(404);
        });
        result.Context.Response.ContentType.ShouldStartWith("application/problem+json");
    }

    [Fact]
    public async Task a_completion_for_the_zero_practitioner_is_404()
    {
        var provider = await RegisterProvider();
        var result = await PostCompletion(provider.ApiKey, Zero, Completion(), status: 404);
        result.Context.Response.ContentType.ShouldStartWith("application/problem+json");
    }

    [Fact]
    public async Task rotating_the_keys_of_the_zero_provider_is_404()
    {
        var result = await As(AdminToken, s =>
        {
            s.Post.Json(new { }).ToUrl($"/api/providers/{Zero}/keys");
            s.StatusCodeShouldBe(404);
        });
        result.Context.Response.ContentType.ShouldStartWith("application/problem+json");
    }

    [Fact]
    public async Task a_zero_practitioner_in_a_json_batch_is_that_items_404_and_the_rest_is_recorded()
    {
        var provider = await RegisterProvider();
        var ada = await RegisterPractitioner();
        var result = await WithKey(provider.ApiKey, s =>
        {
            s.Post.Json(new
            {
                items = new object[]
                {
                    new { practitionerId = ada, providerReference = "a-1", course = new { code = "PMO-101", title = "Intro" }, completedOn = "2026-01-15", outcome = "passed" },
                    new { practitionerId = Zero, providerReference = "a-2", course = new { code = "PMO-101", title = "Intro" }, completedOn = "2026-01-15", outcome = "passed" },
                    new { practitionerId = ada, providerReference = "a-3", course = new { code = "PMO-102", title = "Next" }, completedOn = "2026-01-16", outcome = "passed" }
                }
            }).ToUrl("/api/completions/batch");
            s.StatusCodeShouldBe(200);
        });

        var statuses = (await result.Json()).GetProperty("results").EnumerateArray().Select(r => r.GetProperty("status").GetInt32());
        statuses.ShouldBe([201, 404, 201]);
        (await Get<JsonElement>($"/api/practitioners/{ada}")).GetProperty("completions").GetInt32().ShouldBe(2);
    }

    [Fact]
    public async Task a_zero_practitioner_in_a_csv_batch_is_that_rows_404_and_the_rest_is_recorded()
    {
        var provider = await RegisterProvider();
        var ada = await RegisterPractitioner();
        var csv = $"""
            practitionerId,providerReference,courseCode,courseTitle,completedOn,outcome
            {ada},c-1,PMO-101,Intro,2026-01-15,passed
            {Zero},c-2,PMO-101,Intro,2026-01-15,passed
            {ada},c-3,PMO-102,Next,2026-01-16,passed
            """;
        var result = await WithKey(provider.ApiKey, s =>
        {
            s.Post.Text(csv).ToUrl("/api/completions/batch");
            s.WithRequestHeader("Content-Type", "text/csv");
            s.StatusCodeShouldBe(200);
        });

        var statuses = (await result.Json()).GetProperty("results").EnumerateArray().Select(r => r.GetProperty("status").GetInt32());
        statuses.ShouldBe([201, 404, 201]);
        (await Get<JsonElement>($"/api/practitioners/{ada}")).GetProperty("completions").GetInt32().ShouldBe(2);
    }
}
