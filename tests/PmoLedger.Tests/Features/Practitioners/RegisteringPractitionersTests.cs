using System.Net;
using System.Text.Json;
using Alba;

namespace PmoLedger.Tests.Features.Practitioners;

public class RegisteringPractitionersTests(AppFixture fixture) : IntegrationContext(fixture)
{
    [Fact]
    public async Task registering_answers_201_with_the_id_and_location()
    {
        var result = await As(AdminToken, s =>
        {
            s.Post.Json(new { fullName = "Grace Hopper", email = "grace@example.org" }).ToUrl("/api/practitioners");
            s.StatusCodeShouldBe(201);
        });
        var id = (await result.ReadAsJsonAsync<IdResponse>())!.Id;
        result.Context.Response.Headers.Location.ToString().ShouldBe($"/api/practitioners/{id}");

        var profile = await Get<JsonElement>($"/api/practitioners/{id}");
        profile.Str("fullName").ShouldBe("Grace Hopper");
        profile.Str("email").ShouldBe("grace@example.org");
        profile.Str("careerLevel").ShouldBe("entry");
        profile.GetProperty("pmoExperienceYears").GetDecimal().ShouldBe(0m);
        profile.GetProperty("version").GetInt32().ShouldBe(1);
    }

    [Fact]
    public async Task an_email_taken_in_another_case_is_a_conflict_and_records_nothing()
    {
        await RegisterPractitioner(email: "Same.Person@Example.org");

        var result = await As(AdminToken, s =>
        {
            s.Post.Json(new { fullName = "Impostor", email = "same.person@example.ORG" }).ToUrl("/api/practitioners");
            s.StatusCodeShouldBe(409);
            s.ContentTypeShouldBe("application/problem+json");
        });
        (await result.ReadAsTextAsync()).ShouldContain("email");

        (await EventCount()).ShouldBe(1);
    }

    [Fact]
    public async Task concurrent_registrations_of_one_email_create_exactly_one_practitioner()
    {
        var statuses = await Task.WhenAll(Enumerable.Range(0, 12).Select(i => Host.Scenario(s =>
        {
            s.WithBearerToken(AdminToken);
            s.Post.Json(new { fullName = $"Racer {i}", email = "race@example.org" }).ToUrl("/api/practitioners");
            s.IgnoreStatusCode();
        }).ContinueWith(t => t.Result.Context.Response.StatusCode)));

        statuses.Count(s => s == 201).ShouldBe(1);
        statuses.Count(s => s == 409).ShouldBe(11);
        (await EventCount()).ShouldBe(1);
    }

    [Theory]
    [InlineData("""{"email":"x@example.org"}""", "fullName")]
    [InlineData("""{"fullName":"No Email"}""", "email")]
    [InlineData("""{"fullName":"Bad","email":"not-an-email"}""", "email")]
    [InlineData("""{"fullName":42,"email":"x@example.org"}""", "fullName")]
    public async Task invalid_registrations_are_400_naming_the_field(string body, string field)
    {
        var result = await As(AdminToken, s =>
        {
            s.Post.Text(body).ToUrl("/api/practitioners");
            s.WithRequestHeader("Content-Type", "application/json");
            s.StatusCodeShouldBe(400);
            s.ContentTypeShouldBe("application/problem+json");
        });
        var problem = await result.Json();
        problem.GetProperty("errors").TryGetProperty(field, out _).ShouldBeTrue(problem.ToString());

        (await EventCount()).ShouldBe(0);
    }

    [Fact]
    public async Task malformed_json_is_400_problem()
    {
        var result = await As(AdminToken, s =>
        {
            s.Post.Text("{\"fullName\": \"Unclosed").ToUrl("/api/practitioners");
            s.WithRequestHeader("Content-Type", "application/json");
            s.StatusCodeShouldBe(400);
            s.ContentTypeShouldBe("application/problem+json");
        });
        (await result.Json()).GetProperty("errors").EnumerateObject().ShouldNotBeEmpty();
    }

    [Fact]
    public async Task a_huge_body_is_413_problem()
    {
        var huge = new string('x', 5 * 1024 * 1024);
        await As(AdminToken, s =>
        {
            s.Post.Json(new { fullName = huge, email = "big@example.org" }).ToUrl("/api/practitioners");
            s.StatusCodeShouldBe(413);
            s.ContentTypeShouldBe("application/problem+json");
        });
    }

    [Fact]
    public async Task practitioners_and_auditors_may_not_register_anyone()
    {
        var id = await RegisterPractitioner();
        foreach (var token in new[] { PractitionerToken(id), AuditorToken })
        {
            await As(token, s =>
            {
                s.Post.Json(new { fullName = "X", email = "x@example.org" }).ToUrl("/api/practitioners");
                s.StatusCodeShouldBe(403);
            });
        }
    }

    [Fact]
    public async Task no_or_bad_credentials_are_401_problem()
    {
        await Host.Scenario(s =>
        {
            s.Post.Json(new { fullName = "X", email = "x@example.org" }).ToUrl("/api/practitioners");
            s.StatusCodeShouldBe(401);
            s.ContentTypeShouldBe("application/problem+json");
        });
        await Host.Scenario(s =>
        {
            s.WithBearerToken(AdminToken[..^4] + "AAAA");
            s.Get.Url("/api/practitioners?email=x@example.org");
            s.StatusCodeShouldBe(401);
        });
    }

    [Fact]
    public async Task lookup_by_email_is_exact_and_case_insensitive()
    {
        var id = await RegisterPractitioner("Linus", "linus@example.org");

        var found = await Get<JsonElement>("/api/practitioners?email=LINUS@example.org");
        found.GetProperty("id").GetGuid().ShouldBe(id);
        found.Str("fullName").ShouldBe("Linus");

        await As(AdminToken, s =>
        {
            s.Get.Url("/api/practitioners?email=linus@example");
            s.StatusCodeShouldBe(404);
            s.ContentTypeShouldBe("application/problem+json");
        });
    }

    [Fact]
    public async Task health_and_docs_need_no_credentials()
    {
        var health = await Host.Scenario(s => s.Get.Url("/health"));
        (await health.Json()).Str("status").ShouldBe("Healthy");
        await Host.Scenario(s => s.Get.Url("/openapi/v1.json"));
        await Host.Scenario(s => { s.Get.Url("/docs/"); s.StatusCodeShouldBe(HttpStatusCode.OK); });
    }
}
