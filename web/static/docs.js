// The API reference page: Swagger UI (loaded by the page from npm) on this server's OpenAPI document.
// Requests made with "Try it out" carry the page's joblook_token cookie, like the other pages' calls.
const { SwaggerUIBundle } = window;

SwaggerUIBundle({
  url: "/openapi.json",
  dom_id: "#swagger-ui",
  deepLinking: true,
});
