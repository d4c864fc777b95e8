using Alba;

namespace PmoLedger.Tests.Features;

public class ProgressionRoutesTests(AppFixture fixture) : IntegrationContext(fixture)
{
    [Theory]
    [InlineData("POST", "certifications")]
    [InlineData("POST", "cpd")]
    [InlineData("GET", "cpd")]
    [InlineData("POST", "goals")]
    [InlineData("POST", "goals/0193a1c2-0000-7000-8000-000000000001/achieve")]
    [InlineData("GET", "plan")]
    public async Task every_progression_route_needs_credentials(string method, string path)
    {
        var url = $"/api/practitioners/{Guid.NewGuid()}/{path}";
        await Host.Scenario(s =>
        {
            if (method == "GET") s.Get.Url(url);
            else s.Post.Json(new { }).ToUrl(url);
            s.StatusCodeShouldBe(401);
            s.ContentTypeShouldBe("application/problem+json");
        });
    }
}
