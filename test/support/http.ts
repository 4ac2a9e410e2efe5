export interface ApiResponse {
  status: number
  // biome-ignore lint/suspicious/noExplicitAny: tests read whatever JSON the API answered
  body: any
  headers: Headers
}

export interface RequestOptions {
  body?: unknown
  token?: string
  headers?: Record<string, string>
}

/** A tiny JSON client for tests: bodies are sent as JSON and parsed back when they are JSON. */
export const api = (baseUrl: string) => {
  const request = async (
    method: string,
    path: string,
    options: RequestOptions = {},
  ): Promise<ApiResponse> => {
    const res = await fetch(`${baseUrl}${path}`, {
      method,
      headers: {
        ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
        ...options.headers,
      },
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    })
    const text = await res.text()
    let body: unknown = text
    try {
      body = text === '' ? undefined : JSON.parse(text)
    } catch {
      // not JSON: the text itself
    }
    return { status: res.status, body, headers: res.headers }
  }
  return {
    request,
    get: (path: string, options?: Omit<RequestOptions, 'body'>) => request('GET', path, options),
    post: (path: string, options?: RequestOptions) => request('POST', path, options),
    put: (path: string, options?: RequestOptions) => request('PUT', path, options),
    patch: (path: string, options?: RequestOptions) => request('PATCH', path, options),
    delete: (path: string, options?: RequestOptions) => request('DELETE', path, options),
  }
}
