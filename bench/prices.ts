/**
 * AWS list prices, us-east-1, on-demand, without free tiers or volume discounts. Figures as
 * published on the services' pricing pages when this model was written (2025, DynamoDB after its
 * November 2024 on-demand reduction); re-check them before quoting a bill.
 */
export const PRICES_AS_OF = '2025 (DynamoDB on-demand as reduced on 2024-11-01)'

export const PRICES = {
  apiGatewayPerMillionRequests: {
    usd: 1.0,
    label: 'API Gateway HTTP API, per million requests (first 300 M)',
  },
  lambdaPerMillionRequests: { usd: 0.2, label: 'Lambda, per million requests' },
  lambdaArmPerGbSecond: { usd: 0.0000133334, label: 'Lambda arm64, per GB-second (first 7.5 G GB-s)' },
  dynamoPerMillionReadUnits: { usd: 0.125, label: 'DynamoDB on-demand, per million read request units' },
  dynamoPerMillionWriteUnits: { usd: 0.625, label: 'DynamoDB on-demand, per million write request units' },
  dynamoStoragePerGbMonth: { usd: 0.25, label: 'DynamoDB Standard storage, per GB-month' },
  dynamoPitrPerGbMonth: { usd: 0.2, label: 'DynamoDB point-in-time recovery, per GB-month (table size)' },
  kmsPerKeyMonth: { usd: 1.0, label: 'KMS customer managed key, per key-month' },
  kmsPer10kRequests: { usd: 0.03, label: 'KMS, per 10,000 requests' },
  logsIngestPerGb: { usd: 0.5, label: 'CloudWatch Logs ingestion, per GB' },
  logsStoragePerGbMonth: { usd: 0.03, label: 'CloudWatch Logs storage, per GB-month' },
  transferOutPerGb: { usd: 0.09, label: 'data transfer out to the internet, per GB (first 10 TB)' },
  secretPerMonth: { usd: 0.4, label: 'Secrets Manager, per secret-month' },
} as const
