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

  function useToken(value) {
    token = value.trim().replace(/^Bearer\s+/i, "");
    status.textContent = token ? "已使用令牌" : "未使用令牌";
    render();
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    useToken(input.value);
  });

  // Staff log-in: a captcha from identity, then staffLogIn; the access token it issues is
  // used as if pasted.
  const login = document.getElementById("zikao-login");
  const loginStatus = document.getElementById("zikao-login-state");
  const captchaImage = document.getElementById("zikao-login-captcha");
  const CAPTCHA = "mutation GraphiQLCaptcha { newCaptcha { id image } }";
  const STAFF_LOG_IN = `mutation GraphiQLStaffLogIn($u: String!, $p: String!, $c: CaptchaInput!) {
    staffLogIn(username: $u, password: $p, captcha: $c) {
      __typename ... on LoggedIn { accessToken } ... on Problem { code message }
    }
  }`;
  let captchaId = null;

  async function post(query, variables) {
    const body = await fetcherWith("")({ query: query, variables: variables });
    const failed = body.errors && body.errors[0];
    return { data: body.data || {}, error: failed ? failed.message : null };
  }

  async function newCaptcha() {
    const answer = await post(CAPTCHA, {});
    const captcha = answer.data.newCaptcha;
    captchaId = captcha ? captcha.id : null;
    captchaImage.src = captcha ? captcha.image : "";
    loginStatus.textContent = answer.error || "";
  }

  document.getElementById("zikao-login-open").addEventListener("click", function () {
    login.hidden = false;
    newCaptcha();
  });

  login.addEventListener("submit", async function (event) {
    event.preventDefault();
    const field = function (name) {
      return document.getElementById("zikao-login-" + name);
    };
    const variables = {
      u: field("username").value,
      p: field("password").value,
      c: { id: captchaId, answer: field("answer").value },
    };
    field("password").value = "";
    field("answer").value = "";
    const answer = await post(STAFF_LOG_IN, variables);
    const result = answer.data.staffLogIn;
    if (result && result.__typename === "LoggedIn") {
      input.value = result.accessToken;
      login.hidden = true;
      loginStatus.textContent = "";
      useToken(result.accessToken);
      return;
    }
    await newCaptcha(); // a captcha serves one try
    loginStatus.textContent = (result && result.message) || answer.error || "登录失败";
  });

  render();
})();
