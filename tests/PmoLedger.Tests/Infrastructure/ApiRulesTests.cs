using System.Text.Json;
using Alba;
using PmoLedger.Tests.Features.Providers;

namespace PmoLedger.Tests.Infrastructure;

/// <summary>api.md "Rules for every route", tried as a client would.</summary>
public class ApiRulesTests(AppFixture fixture) : ProviderContext(fixture)
{
    private static async Task<JsonElement> Refusal(IScenarioResult result)
    {
        result.Context.Response.ContentType.ShouldStartWith("application/problem+json");
        var problem = await result.Json();
        problem.Str("detail").ShouldNotBeNullOrWhiteSpace();
        problem.ToString().ShouldNotContain("System.");
        problem.ToString().ShouldNotContain("PmoLedger.");
        return problem;
    }

    [Fact]
    public async Task missing_credentials_are_401_saying_what_to_send()
    {
        var result = await Host.Scenario(s =>
        {
            s.Get.Url("/api/providers");
            s.StatusCodeShouldBe(401);
        });
        (await Refusal(result)).Str("detail").ShouldContain("Bearer");
    }

    [Fact]
    public async Task a_bad_token_or_key_is_401_saying_which()
    {
        var token = await Host.Scenario(s =>
        {
            s.Get.Url("/api/providers");
            s.WithBearerToken("not.a.token");
            s.StatusCodeShouldBe(401);
        });
        (await Refusal(token)).Str("detail").ShouldContain("bearer token");

        var key = await WithKey("pmo_0123456789abcdef_" + new string('x', 43), s =>
        {
            s.Get.Url("/api/providers");
            s.StatusCodeShouldBe(401);
        });
        (await Refusal(key)).Str("detail").ShouldContain("X-Api-Key");
    }

    [Fact]
    public async Task a_role_that_may_not_is_403_with_a_reason()
    {
        var result = await As(AuditorToken, s =>
        {
            s.Post.Json(new { name = "Sneaky" }).ToUrl("/api/providers");
            s.StatusCodeShouldBe(403);
        });
        await Refusal(result);
    }

    [Fact]
    public async Task unknown_routes_are_404_and_wrong_methods_405_with_a_reason()
    {
        var missing = await As(AdminToken, s =>
        {
            s.Get.Url("/api/nothing-here");
            s.StatusCodeShouldBe(404);
        });
        (await Refusal(missing)).Str("detail").ShouldContain("/api/nothing-here");

        var method = await As(AdminToken, s =>
        {
            s.Delete.Url("/api/providers");
            s.StatusCodeShouldBe(405);
        });
        (await Refusal(method)).Str("detail").ShouldContain("DELETE");
    }

    [Theory]
    [InlineData("not-a-guid")]
    [InlineData("00000000-0000-0000-0000-000000000000")]
    public async Task an_id_that_is_not_usable_is_404_on_a_path(string id)
    {
        var result = await As(AdminToken, s =>
        {
            s.Get.Url($"/api/practitioners/{id}");
            s.StatusCodeShouldBe(404);
        });
        await Refusal(result);
    }

    [Fact]
    public async Task an_unknown_property_is_400_naming_it_and_records_nothing()
    {
        var result = await As(AdminToken, s =>
        {
            s.Post.Text("""{"fullName":"Jo Bloggs","email":"jo@example.org","emial":"typo@example.org"}""").ToUrl("/api/practitioners");
            s.WithRequestHeader("Content-Type", "application/json");
            s.StatusCodeShouldBe(400);
        });
        var problem = await Refusal(result);
        problem.GetProperty("errors").TryGetProperty("emial", out _).ShouldBeTrue(problem.ToString());
        (await EventCount()).ShouldBe(0);
    }

    [Fact]
    public async Task a_number_sent_as_a_string_is_400_naming_the_field()
    {
        var provider = await RegisterProvider();
        var id = await RegisterPractitioner();
        var result = await WithKey(provider.ApiKey, s =>
        {
            s.Post.Text("""
                {"providerReference":"r1","course":{"code":"C1","title":"T"},"completedOn":"2026-01-15","outcome":"passed","score":"0.5","cpdPoints":3}
                """).ToUrl($"/api/practitioners/{id}/completions");
            s.WithRequestHeader("Content-Type", "application/json");
            s.StatusCodeShouldBe(400);
        });
        var problem = await Refusal(result);
        problem.GetProperty("errors").GetProperty("score")[0].GetString()!.ShouldContain("number");
    }

    [Fact]
    public async Task an_impossible_date_is_400_naming_the_field_in_plain_words()
    {
        var id = await RegisterPractitioner();
        var result = await As(AdminToken, s =>
        {
            s.Post.Text("""
                {"title":"PMO Analyst","roleFamily":"analyst","employmentType":"permanent","organisation":"Acme","industry":"Energy","officeType":"programme","startedOn":"2026-02-30"}
                """).ToUrl($"/api/practitioners/{id}/roles");
            s.WithRequestHeader("Content-Type", "application/json");
            s.StatusCodeShouldBe(400);
        });
        var problem = await Refusal(result);
        problem.GetProperty("errors").GetProperty("startedOn")[0].GetString()!.ShouldContain("real calendar date");
    }

    [Theory]
    [InlineData("profile?asOf=2099-01-01T00:00:00Z", "asOf")]
    [InlineData("profile?effectiveOn=2099-01-01", "effectiveOn")]
    [InlineData("timeline?asOf=2099-01-01T00:00:00Z", "asOf")]
    public async Task a_point_in_time_in_the_future_is_400(string query, string field)
    {
        var id = await RegisterPractitioner();
        var result = await As(AuditorToken, s =>
        {
            s.Get.Url($"/api/audit/practitioners/{id}/{query}");
            s.StatusCodeShouldBe(400);
        });
        (await Refusal(result)).GetProperty("errors").TryGetProperty(field, out _).ShouldBeTrue();
    }

    [Fact]
    public async Task inside_a_batch_an_unknown_property_or_a_quoted_number_fails_only_its_item()
    {
        var provider = await RegisterProvider();
        var ada = await RegisterPractitioner();
        var result = await WithKey(provider.ApiKey, s =>
        {
            s.Post.Text($$"""
                {"items":[
                  {"practitionerId":"{{ada}}","providerReference":"a","course":{"code":"C","title":"T"},"completedOn":"2026-01-15","outcome":"passed","url":"https://example.org/a"},
                  {"practitionerId":"{{ada}}","providerReference":"b","course":{"code":"C","title":"T"},"completedOn":"2026-01-15","outcome":"passed","score":"0.5"},
                  {"practitionerId":"{{ada}}","providerReference":"c","course":{"code":"C","title":"T"},"completedOn":"2026-01-15","outcome":"passed","evidenceUrl":"https://example.org/c"}
                ]}
                """).ToUrl("/api/completions/batch");
            s.WithRequestHeader("Content-Type", "application/json");
            s.StatusCodeShouldBe(200);
        });
        var results = (await result.Json()).GetProperty("results").EnumerateArray().ToList();
        results.Select(r => r.GetProperty("status").GetInt32()).ShouldBe([400, 400, 201]);
        results[0].GetProperty("problem").GetProperty("errors").TryGetProperty("url", out _).ShouldBeTrue(results[0].ToString());
        results[1].GetProperty("problem").GetProperty("errors").GetProperty("score")[0].GetString()!.ShouldContain("number");
        string.Join(",", results.Select(r => r.GetRawText())).ShouldNotContain("System.");
    }
}
