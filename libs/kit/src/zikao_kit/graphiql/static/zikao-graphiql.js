// Zikao's GraphiQL. React, ReactDOM and GraphiQL are the globals of the vendor files loaded
// before this one (the repository's npm packages, copied at install): nothing comes from
// another host. The page is served at the GraphQL endpoint itself, so that is where it posts.
(function () {
  "use strict";

  const endpoint = window.location.pathname;
  const form = document.getElementById("zikao-token");
  const input = document.getElementById("zikao-token-input");
  const status = document.getElementById("zikao-token-state");
  const root = ReactDOM.createRoot(document.getElementById("graphiql"));
  let token = "";

  // The token goes only into this page's memory and the Authorization header: not into
  // storage, the URL or GraphiQL's headers tab.
  function fetcherWith(bearer) {
    return async function fetcher(params, options) {
      const headers = {
        ...((options && options.headers) || {}),
        accept: "application/graphql-response+json, application/json",
        "content-type": "application/json",
      };
      if (bearer) {
        headers.authorization = "Bearer " + bearer;
      }
      const response = await fetch(endpoint, {
        method: "POST",
        headers: headers,
        body: JSON.stringify(params),
        credentials: "omit",
      });
      const text = await response.text();
      try {
        return JSON.parse(text);
      } catch (error) {
        return { errors: [{ message: "HTTP " + response.status + ": " + text.slice(0, 200) }] };
      }
    };
  }

  function render() {
    // A new fetcher makes GraphiQL read the schema again, now with the token.
    root.render(
      React.createElement(GraphiQL, {
        fetcher: fetcherWith(token),
        // Queries and variables may hold personal data: kept for this tab only.
        storage: window.sessionStorage,
        shouldPersistHeaders: false,
      }),
    );
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    token = input.value.trim().replace(/^Bearer\s+/i, "");
    status.textContent = token ? "已使用令牌" : "未使用令牌";
    render();
  });

  render();
})();
