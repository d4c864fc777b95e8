using Alba;
using PmoLedger.Tests.Features.Providers;

namespace PmoLedger.Tests.Infrastructure;

/// <summary>The JSON literal null as a body is bad input on every write route: 400 problem, nothing written.</summary>
public class NullBodyTests(AppFixture fixture) : ProviderContext(fixture)
{
    [Fact]
    public async Task a_null_body_is_400_on_every_write_route_and_writes_nothing()
    {
        var provider = await RegisterProvider();
        var id = await RegisterPractitioner();
        var before = await EventCount();
        var practitioner = PractitionerToken(id);

        var routes = new (string Url, Func<Scenario, Scenario> Auth)[]
        {
            ("/api/practitioners", s => { s.WithBearerToken(AdminToken); return s; }),
            ("/api/providers", s => { s.WithBearerToken(AdminToken); return s; }),
            ($"/api/practitioners/{id}/roles", s => { s.WithBearerToken(AdminToken); return s; }),
            ($"/api/practitioners/{id}/roles/end", s => { s.WithBearerToken(AdminToken); return s; }),
            ($"/api/practitioners/{id}/certifications", s => { s.WithBearerToken(AdminToken); return s; }),
            ($"/api/practitioners/{id}/cpd", s => { s.WithBearerToken(practitioner); return s; }),
            ($"/api/practitioners/{id}/goals", s => { s.WithBearerToken(practitioner); return s; }),
            ($"/api/practitioners/{id}/goals/{Guid.NewGuid()}/achieve", s => { s.WithBearerToken(practitioner); return s; }),
            ($"/api/practitioners/{id}/completions", s => { s.WithRequestHeader("X-Api-Key", provider.ApiKey); return s; }),
            ($"/api/completions/{Guid.NewGuid()}/revoke", s => { s.WithRequestHeader("X-Api-Key", provider.ApiKey); return s; }),
            ("/api/completions/batch", s => { s.WithRequestHeader("X-Api-Key", provider.ApiKey); return s; }),
        };

        foreach (var (url, auth) in routes)
        {
            var result = await Host.Scenario(s =>
            {
                auth(s);
                s.Post.Text("null").ToUrl(url);
                s.WithRequestHeader("Content-Type", "application/json");
                s.IgnoreStatusCode();
            });
            var status = result.Context.Response.StatusCode;
            (status is 400 or 404).ShouldBeTrue($"{url} answered {status}: {await result.ReadAsTextAsync()}");
            result.Context.Response.ContentType.ShouldBe("application/problem+json", url);
        }
        (await EventCount()).ShouldBe(before);
    }

    [Fact]
    public async Task a_batch_item_that_is_not_an_object_fails_alone()
    {
        var provider = await RegisterProvider();
        var id = await RegisterPractitioner();
        var result = await WithKey(provider.ApiKey, s =>
        {
            s.Post.Json(new
            {
                items = new object?[]
                {
                    null, 42,
                    new { practitionerId = id, providerReference = "ok", course = new { code = "C", title = "T" },
                        completedOn = "2026-01-02", outcome = "completed", cpdPoints = 1 }
                }
            }).ToUrl("/api/completions/batch");
            s.StatusCodeShouldBe(200);
        });
        (await result.Json()).GetProperty("results").EnumerateArray().Select(r => r.GetProperty("status").GetInt32())
            .ShouldBe([400, 400, 201]);
    }
}
