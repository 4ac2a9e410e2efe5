import { App } from 'aws-cdk-lib'
import { Match, Template } from 'aws-cdk-lib/assertions'
import { StatefulStack } from '../../infra/stateful-stack.js'
import { TABLE } from '../../lib/core/db/table-definition.js'

const template = Template.fromStack(
  new StatefulStack(new App(), 'atrium-test-stateful', {
    stage: 'test',
    env: { region: 'eu-west-1', account: '111111111111' },
  }),
)

describe('the stateful stack', () => {
  it('builds the single table from the shared definition', () => {
    template.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      TableName: 'atrium-test',
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [
        { AttributeName: TABLE.partitionKey, KeyType: 'HASH' },
        { AttributeName: TABLE.sortKey, KeyType: 'RANGE' },
      ],
      GlobalSecondaryIndexes: Object.entries(TABLE.indexes).map(([name, index]) =>
        Match.objectLike({
          IndexName: name,
          KeySchema: [
            { AttributeName: index.partitionKey, KeyType: 'HASH' },
            { AttributeName: index.sortKey, KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        }),
      ),
      TimeToLiveSpecification: { AttributeName: TABLE.ttlAttribute, Enabled: true },
      Replicas: [
        Match.objectLike({
          Region: 'eu-west-1',
          PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
          DeletionProtectionEnabled: true,
        }),
      ],
      SSESpecification: { SSEEnabled: true, SSEType: 'KMS' },
      StreamSpecification: { StreamViewType: 'NEW_AND_OLD_IMAGES' },
    })
    template.hasResource('AWS::DynamoDB::GlobalTable', {
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    })
  })

  it('rotates both KMS keys and retains them', () => {
    const keys = template.findResources('AWS::KMS::Key')
    expect(Object.keys(keys)).toHaveLength(2)
    for (const key of Object.values(keys)) {
      expect(key.Properties.EnableKeyRotation).toBe(true)
      expect(key.DeletionPolicy).toBe('Retain')
    }
  })

  it('keeps files encrypted, private, versioned and reachable only over TLS', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      VersioningConfiguration: { Status: 'Enabled' },
    })
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    })
  })

  it('serves uploaded media: public read of media/* only, CORS for browser posts, encrypted, abandoned uploads dropped', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: false,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: false,
      },
      CorsConfiguration: {
        CorsRules: [
          Match.objectLike({ AllowedMethods: ['GET', 'HEAD', 'POST', 'PUT'], ExposedHeaders: ['ETag'] }),
        ],
      },
      LifecycleConfiguration: {
        Rules: [
          Match.objectLike({ AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 }, Status: 'Enabled' }),
        ],
      },
    })
    const policies = template.findResources('AWS::S3::BucketPolicy')
    const publicReads = Object.values(policies).flatMap((p) =>
      (
        p.Properties.PolicyDocument.Statement as {
          Effect: string
          Principal?: unknown
          Action: unknown
          Resource: unknown
        }[]
      ).filter((s) => s.Effect === 'Allow' && JSON.stringify(s.Principal).includes('*')),
    )
    expect(publicReads).toHaveLength(1)
    expect(publicReads[0]?.Action).toBe('s3:GetObject')
    expect(JSON.stringify(publicReads[0]?.Resource)).toContain('/media/*')
    // the drive's private prefix is never public
    expect(JSON.stringify(publicReads[0]?.Resource)).not.toContain('drive')
  })

  it('sends marketplace notifications that fail five times to a dead-letter queue', () => {
    template.hasResourceProperties('AWS::SQS::Queue', {
      RedrivePolicy: { maxReceiveCount: 5, deadLetterTargetArn: Match.anyValue() },
      SqsManagedSseEnabled: true,
    })
  })

  it('exports what serverless.yml imports', () => {
    for (const name of [
      'TableName',
      'TableArn',
      'TableStreamArn',
      'PiiKeyArn',
      'AssetsBucketName',
      'MediaBucketName',
      'MediaBucketArn',
      'MediaPublicUrl',
      'MarketplaceQueueArn',
      'AccessEventsFailuresArn',
      'KooGalleryKeySecretArn',
      'KooGalleryOpenApiSecretArn',
    ]) {
      template.hasOutput(name, { Export: { Name: `atrium-test-${name}` } })
    }
  })
})

describe('with the marketplace topic given', () => {
  it('subscribes the queue to it and lets the topic send', () => {
    const withTopic = Template.fromStack(
      new StatefulStack(new App(), 'atrium-topic-stateful', {
        stage: 'topic',
        env: { region: 'us-east-1', account: '111111111111' },
        marketplaceTopicArn: 'arn:aws:sns:us-east-1:287250355862:aws-mp-subscription-notification-abc',
      }),
    )
    withTopic.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'sqs',
      TopicArn: 'arn:aws:sns:us-east-1:287250355862:aws-mp-subscription-notification-abc',
    })
    withTopic.hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Action: 'sqs:SendMessage', Principal: { Service: 'sns.amazonaws.com' } }),
        ]),
      },
    })
    expect(Object.keys(template.findResources('AWS::SNS::Subscription'))).toHaveLength(0)
  })
})
