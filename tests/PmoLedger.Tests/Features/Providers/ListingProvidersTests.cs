using Alba;
using System.Text.Json;

namespace PmoLedger.Tests.Features.Providers;

public class ListingProvidersTests(AppFixture fixture) : ProviderContext(fixture)
{
    [Fact]
    public async Task admins_and_auditors_page_through_providers_oldest_first()
    {
        var first = await RegisterProvider("First Training Co");
        Clock.Offset += TimeSpan.FromMinutes(1);
        await RegisterProvider("Second Training Co");
        Clock.Offset += TimeSpan.FromMinutes(1);
        await RegisterProvider("Third Training Co");

        var page = await Get<JsonElement>("/api/providers?page=1&pageSize=2", AuditorToken);
        page.GetProperty("total").GetInt64().ShouldBe(3);
        page.GetProperty("items").EnumerateArray().Select(i => i.Str("name")).ShouldBe(["First Training Co", "Second Training Co"]);
        var item = page.GetProperty("items")[0];
        item.GetProperty("id").GetGuid().ShouldBe(first.Id);
        item.GetProperty("createdAt").GetDateTimeOffset().ShouldBe(Clock.GetUtcNow().AddMinutes(-2), TimeSpan.FromSeconds(30));
        item.TryGetProperty("apiKey", out _).ShouldBeFalse();

        var last = await Get<JsonElement>("/api/providers?page=2&pageSize=2");
        last.GetProperty("items").EnumerateArray().Select(i => i.Str("name")).ShouldBe(["Third Training Co"]);
    }

    [Fact]
    public async Task one_provider_is_readable_by_staff_and_by_itself_only()
    {
        var mine = await RegisterProvider("Mine");
        var other = await RegisterProvider("Other");

        (await Get<JsonElement>($"/api/providers/{mine.Id}", AuditorToken)).Str("name").ShouldBe("Mine");
        var own = await (await WithKey(mine.ApiKey, s => s.Get.Url($"/api/providers/{mine.Id}"))).Json();
        own.Str("name").ShouldBe("Mine");

        await WithKey(mine.ApiKey, s =>
        {
            s.Get.Url($"/api/providers/{other.Id}");
            s.StatusCodeShouldBe(403);
        });
        await WithKey(mine.ApiKey, s =>
        {
            s.Get.Url("/api/providers");
            s.StatusCodeShouldBe(403);
        });
        await As(AdminToken, s =>
        {
            s.Get.Url($"/api/providers/{Guid.NewGuid()}");
            s.StatusCodeShouldBe(404);
            s.ContentTypeShouldBe("application/problem+json");
        });
    }

    [Fact]
    public async Task a_second_provider_with_the_same_name_in_any_case_is_409()
    {
        await RegisterProvider("PMO Academy");
        var result = await As(AdminToken, s =>
        {
            s.Post.Json(new { name = "pmo ACADEMY " }).ToUrl("/api/providers");
            s.StatusCodeShouldBe(409);
            s.ContentTypeShouldBe("application/problem+json");
        });
        (await result.Json()).Str("detail").ShouldContain("name");
        (await Get<JsonElement>("/api/providers")).GetProperty("total").GetInt64().ShouldBe(1);
    }

    [Fact]
    public async Task concurrent_registrations_of_one_name_create_one_provider()
    {
        var answers = await AllAtOnce(8, i => s =>
        {
            s.WithBearerToken(AdminToken);
            s.Post.Json(new { name = i % 2 == 0 ? "Race Co" : "RACE CO" }).ToUrl("/api/providers");
        });
        answers.Count(a => a.Status == 201).ShouldBe(1);
        answers.Count(a => a.Status == 409).ShouldBe(7);
    }
}
